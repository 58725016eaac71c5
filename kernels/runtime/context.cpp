#include "trenchcoat/kernels/context.hpp"

#include <sched.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>
#include <stdexcept>
#include <string>
#include <vector>

#include "float_env.hpp"

namespace trenchcoat {
namespace {

// Sets FTZ/DAZ on each thread while it works in the arena, restoring it on the way out
// (the thread that called Context::run() is one of them, and it keeps its own MXCSR).
class DenormalsObserver final : public oneapi::tbb::task_scheduler_observer {
 public:
  explicit DenormalsObserver(oneapi::tbb::task_arena& arena) : task_scheduler_observer(arena) {
    observe(true);
  }
  ~DenormalsObserver() override { observe(false); }
  DenormalsObserver(const DenormalsObserver&) = delete;
  DenormalsObserver& operator=(const DenormalsObserver&) = delete;

  void on_scheduler_entry(bool) override {
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | detail::kMxcsrFtz | detail::kMxcsrDaz);
  }
  void on_scheduler_exit(bool) override { _mm_setcsr(saved_); }

 private:
  static thread_local unsigned saved_;
};
thread_local unsigned DenormalsObserver::saved_ = 0;

struct AlignedFree {
  void operator()(float* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;

struct ScratchBuffer {
  AlignedFloats data;
  std::size_t capacity = 0;
};

}  // namespace

struct Context::Impl {
  explicit Impl(int threads) : arena(threads), observer(arena), slots(static_cast<std::size_t>(threads)) {
    for (auto& s : slots) s.resize(kScratchBuffers);
  }
  oneapi::tbb::task_arena arena;
  DenormalsObserver observer;
  std::vector<std::vector<ScratchBuffer>> slots;
};

int available_cores() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

Context::Context(ContextOptions options) {
  // More threads than this is a typo, not a machine; refuse it rather than
  // allocating scratch for a million workers.
  constexpr int kMaxThreads = 4096;
  if (options.threads < 0 || options.threads > kMaxThreads) {
    throw std::invalid_argument("thread count must be between 0 (all cores) and " +
                                std::to_string(kMaxThreads) + ", not " +
                                std::to_string(options.threads));
  }
  threads_ = options.threads == 0 ? available_cores() : options.threads;
  if (options.isa) {
    require_cpu_supports(*options.isa);
    isa_ = *options.isa;
  } else {
    isa_ = default_isa();
  }
  impl_ = std::make_unique<Impl>(threads_);
  select_defaults();
}

Context::~Context() = default;

void Context::select_defaults() {
  for (const FamilyListing& f : registered_families()) {
    selected_[static_cast<std::size_t>(f.family)] = default_variant_index(f.variants, isa_);
  }
}

std::string_view Context::variant_name(KernelFamily family) const {
  return family_listing(family).variants.at(variant_index(family)).name;
}

void Context::select(KernelFamily family, std::string_view name) {
  const FamilyListing& f = family_listing(family);
  selected_[static_cast<std::size_t>(family)] = find_variant_index(f.name, f.variants, name);
}

void Context::run(const std::function<void()>& body) {
  if (threads_ == 1) {
    detail::DenormalsAreZeroScope ftz;
    body();
    return;
  }
  // The observer covers worker threads; the caller joins the arena too and gets the
  // same treatment here, scoped, whether or not the observer also fired for it.
  impl_->arena.execute([&] {
    detail::DenormalsAreZeroScope ftz;
    body();
  });
}

int Context::scratch_slots() const noexcept { return threads_; }

int Context::current_slot() const noexcept {
  if (threads_ == 1) return 0;
  const int idx = oneapi::tbb::this_task_arena::current_thread_index();
  // Outside this arena the index refers to another arena; the caller then runs alone.
  return (idx >= 0 && idx < threads_) ? idx : 0;
}

float* Context::scratch(int slot, int which, std::size_t floats) {
  if (slot < 0 || slot >= threads_ || which < 0 || which >= kScratchBuffers) {
    throw std::out_of_range("scratch slot " + std::to_string(slot) + "/" + std::to_string(which) +
                            " out of range");
  }
  ScratchBuffer& buf = impl_->slots[static_cast<std::size_t>(slot)][static_cast<std::size_t>(which)];
  if (buf.capacity < floats) {
    // Round up to a cache line so the vector loops may read whole lines.
    const std::size_t rounded = (floats + 15) / 16 * 16;
    buf.data = AlignedFloats(static_cast<float*>(::operator new[](rounded * sizeof(float), std::align_val_t{64})));
    buf.capacity = rounded;
  }
  return buf.data.get();
}

}  // namespace trenchcoat
