// Trains XOR with the installed library and checks that it learned it: proof that
// the headers, both static libraries and their dependencies arrive complete.

#include <cstdio>
#include <exception>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"
#include "xor_recipe.hpp"

#ifdef XSIMD_HPP
#error "a public trenchcoat header pulled in xsimd"
#endif

int main() {
  using namespace trenchcoat;
  try {
    Context ctx(ContextOptions{.threads = 2});
    nn::Model model = consumer::xor_model();
    const nn::TrainerConfig config = consumer::xor_config();
    nn::Trainer trainer(ctx, model, config);
    const nn::Dataset xor_table = nn::make_xor();
    trainer.fit(xor_table);
    const nn::EvalMetrics result = nn::evaluate(ctx, model, xor_table);
    std::printf("consumer: XOR accuracy %.2f after %lld epochs\n", result.accuracy,
                static_cast<long long>(config.epochs));
    return result.accuracy == 1.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
