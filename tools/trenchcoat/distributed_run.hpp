#pragma once
// `trenchcoat train --distributed`: one rank of an MPI job (`mpirun -np R`). The
// MPI side lives in distributed_mpi.cpp, compiled only when CMake found MPI; a
// build without it links distributed_none.cpp, which turns --distributed into a
// usage error saying so. cmd_train.cpp sees only this interface.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trenchcoat/nn/gradient_exchange.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::cli {

class DistributedRun {
 public:
  virtual ~DistributedRun() = default;
  virtual int rank() const noexcept = 0;
  virtual int ranks() const noexcept = 0;
  virtual nn::GradientExchange& exchange() noexcept = 0;
  // Every rank's value, in rank order (all ranks call it at the same point).
  virtual std::vector<int> all_gather(int value) = 0;
  // UsageError when the configuration cannot be trained on these ranks: the
  // op-parallel strategy, or a batch with fewer 32-row shards than ranks (a rank
  // with nothing to do in every step is a mistake, not a plan).
  void check(const nn::TrainerConfig& config) const;
};

// Whether this build can train across processes.
bool mpi_built_in() noexcept;

// "reproducible" / "fast" (UsageError otherwise), and back.
nn::ReduceMode parse_reduce_mode(const std::string& name);
std::string reduce_mode_name(nn::ReduceMode mode);

// Starts MPI (UsageError when this build has none) and runs `train` as this rank.
// Any error ends the whole job (the other ranks may wait for this one forever
// otherwise): the failing rank prints one line — rank 0 alone for usage errors,
// which every rank finds alike — and MPI_Abort ends every rank with status 2 for a
// usage error, 1 otherwise.
// `reduce` is --reduce's value ("reproducible" or "fast"), checked once MPI runs so
// that a bad one is reported by rank 0 alone.
int run_distributed(const std::string& reduce, const std::function<int(DistributedRun&)>& train);

}  // namespace trenchcoat::cli
