// `train --distributed` over MPI: one rank of the job. See distributed_run.hpp.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

#include "cli_common.hpp"
#include "distributed_run.hpp"
#include "trenchcoat/nn/mpi_exchange.hpp"

namespace trenchcoat::cli {
namespace {

class MpiRun final : public DistributedRun {
 public:
  MpiRun(const nn::MpiSession& session, nn::ReduceMode mode)
      : session_(session), exchange_(nn::make_mpi_exchange(session, mode)) {}
  int rank() const noexcept override { return session_.rank(); }
  int ranks() const noexcept override { return session_.ranks(); }
  nn::GradientExchange& exchange() noexcept override { return *exchange_; }
  std::vector<int> all_gather(int value) override { return session_.all_gather(value); }

 private:
  const nn::MpiSession& session_;
  std::unique_ptr<nn::GradientExchange> exchange_;
};

// Usage errors come from the flags and the data, which every rank has alike, so
// all ranks usually find the same one: rank 0 says it and ends the job. The other
// ranks give it time to, so that its line is not lost to their own MPI_Abort, and
// speak only if it did not (an error of theirs alone).
[[noreturn]] void usage_error(const nn::MpiSession& session, const char* what) {
  if (session.rank() != 0) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    fmt::print(stderr, "trenchcoat: rank {}: {}\n", session.rank(), what);
  } else {
    fmt::print(stderr, "trenchcoat: {}\n", what);
  }
  std::fflush(stderr);
  session.abort(2);
}

}  // namespace

bool mpi_built_in() noexcept { return true; }

int run_distributed(const std::string& reduce, const std::function<int(DistributedRun&)>& train) {
  nn::MpiSession session;
  int status = 0;
  try {
    MpiRun run(session, parse_reduce_mode(reduce));
    status = train(run);
  } catch (const UsageError& e) {
    usage_error(session, e.what());
  } catch (const std::invalid_argument& e) {
    usage_error(session, e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "trenchcoat: error on rank {} of {}: {}\n", session.rank(), session.ranks(), e.what());
    std::fflush(stderr);
    session.abort(1);
  }
  std::fflush(stdout);
  // mpirun ends the whole job as soon as one rank exits with a status other than 0
  // (130 for a stopped run, which every rank returns alike): no rank may exit before
  // rank 0 has saved the checkpoint.
  session.barrier();
  return status;
}

}  // namespace trenchcoat::cli
