#pragma once
// The MPI side of training across processes (built only when CMake finds MPI; see
// nn/include/trenchcoat/nn/gradient_exchange.hpp for what is exchanged and why the
// reproducible mode is bit-identical to one process). No MPI header leaks out of
// here, so the CLI and the benchmark compile against plain C++ types.
//
//   MpiSession mpi;                                         // MPI_Init_thread
//   auto exchange = make_mpi_exchange(mpi, ReduceMode::reproducible);
//   Trainer trainer(ctx, model, config, *exchange);         // every rank alike
//
// Failures: an MPI call that fails throws std::runtime_error naming the call and
// the peer; the caller then ends the whole job with abort(), because the other
// ranks may be waiting for a message this rank will never send. A rank that dies
// is noticed by mpirun, which ends the others (Open MPI's default).

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "trenchcoat/nn/gradient_exchange.hpp"

namespace trenchcoat::nn {

class MpiSession {
 public:
  // MPI_Init_thread asking for MPI_THREAD_SERIALIZED: MPI is called from whichever
  // thread runs the trainer's step (inside the Context's arena), one call at a time.
  MpiSession();
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const noexcept { return rank_; }
  int ranks() const noexcept { return ranks_; }

  // Every rank's `value`, in rank order, on every rank (MPI_Allgather).
  std::vector<int> all_gather(int value) const;
  // Waits until every rank got here (MPI_Barrier).
  void barrier() const;

  // Ends every process of the job with `status` (MPI_Abort): after an error on one
  // rank, the others may be blocked waiting for it.
  [[noreturn]] void abort(int status) const noexcept;

 private:
  int rank_ = 0;
  int ranks_ = 1;
};

// The exchange over MPI_COMM_WORLD. reproducible: the sharding tree finished by
// point-to-point messages (tree_merges()), then MPI_Bcast from rank 0; fast:
// MPI_Allreduce.
std::unique_ptr<GradientExchange> make_mpi_exchange(const MpiSession& session, ReduceMode mode);

}  // namespace trenchcoat::nn
