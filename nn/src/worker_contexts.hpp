#pragma once
// One single-threaded Context per thread slot of a parent Context, created once.
// Work that is already spread over the parent's threads (a shard each) calls the
// kernels with its slot's worker, so no kernel nests its own parallelism inside, and
// each worker's packing scratch belongs to exactly one thread.

#include <memory>
#include <vector>

#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::nn::detail {

class WorkerContexts {
 public:
  // As many workers as `parent` has scratch slots, each with the parent's ISA and
  // the same variant chosen for every kernel family.
  explicit WorkerContexts(const Context& parent);

  // The worker of the calling thread while it runs inside parent.run().
  Context& current(const Context& parent) { return *workers_[static_cast<std::size_t>(parent.current_slot())]; }
  Context& at(int slot) { return *workers_[static_cast<std::size_t>(slot)]; }
  int size() const noexcept { return static_cast<int>(workers_.size()); }

 private:
  std::vector<std::unique_ptr<Context>> workers_;
};

}  // namespace trenchcoat::nn::detail
