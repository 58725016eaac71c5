#include "thread_pinning.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>
#include <system_error>
#include <vector>

namespace trenchcoat::cli {
namespace {

// 0 or an errno.
int pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

class PinningObserver : public tbb::task_scheduler_observer {
 public:
  explicit PinningObserver(std::vector<int> cpus) : cpus_(std::move(cpus)) { observe(true); }
  ~PinningObserver() override { observe(false); }
  PinningObserver(const PinningObserver&) = delete;
  PinningObserver& operator=(const PinningObserver&) = delete;

  void on_scheduler_entry(bool /*is_worker*/) override {
    const int slot = tbb::this_task_arena::current_thread_index();
    if (slot < 0) return;
    (void)pin_to(cpus_[static_cast<std::size_t>(slot) % cpus_.size()]);
  }

 private:
  std::vector<int> cpus_;
};

}  // namespace

struct ThreadPinning::Impl {
  cpu_set_t original{};
  bool have_original = false;
  std::unique_ptr<PinningObserver> observer;
  std::string description;
};

ThreadPinning::ThreadPinning() : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  if (sched_getaffinity(0, sizeof s.original, &s.original) != 0) {
    const int err = errno;
    s.description =
        fmt::format("pinning: not available (sched_getaffinity: {}); threads float", std::generic_category().message(err));
    return;
  }
  s.have_original = true;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &s.original)) cpus.push_back(c);
  }
  // oneTBB sizes its worker pool from the mask of the thread that first asks; asking
  // now, before the caller is narrowed to one core, keeps a worker per core.
  (void)tbb::info::default_concurrency();
  if (const int err = pin_to(cpus.front()); err != 0) {
    s.description = fmt::format("pinning: not available (pthread_setaffinity_np: {}); threads float",
                                 std::generic_category().message(err));
    return;
  }
  std::string list;
  for (int c : cpus) {
    if (!list.empty()) list += ',';
    list += std::to_string(c);
  }
  s.description = fmt::format("pinning: arena slot k on the k-th allowed core (cpus {})", list);
  s.observer = std::make_unique<PinningObserver>(std::move(cpus));
}

ThreadPinning::~ThreadPinning() {
  impl_->observer.reset();
  if (impl_->have_original) (void)pthread_setaffinity_np(pthread_self(), sizeof impl_->original, &impl_->original);
}

bool ThreadPinning::active() const noexcept { return impl_->observer != nullptr; }
const std::string& ThreadPinning::description() const noexcept { return impl_->description; }

}  // namespace trenchcoat::cli
