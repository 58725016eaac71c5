#include "worker_contexts.hpp"

#include <string>

namespace trenchcoat::nn::detail {

WorkerContexts::WorkerContexts(const Context& parent) {
  for (int slot = 0; slot < parent.scratch_slots(); ++slot) {
    auto worker = std::make_unique<Context>(ContextOptions{.threads = 1, .isa = parent.isa()});
    // Same variants as the parent: a worker must compute exactly what the parent
    // would, whichever thread runs it.
    for (const FamilyListing& family : registered_families()) {
      worker->select(family.family, parent.variant_name(family.family));
    }
    workers_.push_back(std::move(worker));
  }
}

}  // namespace trenchcoat::nn::detail
