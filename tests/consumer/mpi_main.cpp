// The installed component `mpi` (trenchcoat::mpi): trains XOR through the MPI
// exchange, run by run_consumer.cmake under mpiexec, and checks that it learned it —
// proof that the MPI header and library arrive complete and link against MPI.

#include <cstdio>
#include <exception>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/mpi_exchange.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"
#include "xor_recipe.hpp"

int main() {
  using namespace trenchcoat;
  try {
    nn::MpiSession mpi;
    const auto exchange = nn::make_mpi_exchange(mpi, nn::ReduceMode::reproducible);
    Context ctx(ContextOptions{.threads = 1});
    nn::Model model = consumer::xor_model();
    const nn::TrainerConfig config = consumer::xor_config();
    nn::Trainer trainer(ctx, model, config, *exchange);
    const nn::Dataset xor_table = nn::make_xor();
    trainer.fit(xor_table);
    const nn::EvalMetrics result = nn::evaluate(ctx, model, xor_table);
    std::printf("consumer_mpi: rank %d of %d, XOR accuracy %.2f\n", mpi.rank(), mpi.ranks(), result.accuracy);
    return result.accuracy == 1.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer_mpi: %s\n", e.what());
    return 1;
  }
}
