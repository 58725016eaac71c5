// After its first step a trainer allocates nothing itself: every buffer a step needs
// is made when the trainer is built. Counted by replacing the global operator new
// for this test binary; each allocation made during the counted steps is
// attributed, from its call stack, either to the kernels (kernels/: the GEMM entry
// point, and a Context's packing scratch growing the first time a thread slot sees
// a large product — reported, not this layer's to fix) or to everything else
// (which must be none).

#include <dlfcn.h>
#include <execinfo.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

// Under a sanitizer the allocator belongs to the sanitizer: replacing operator new
// there hides oneTBB's internal pointers from LeakSanitizer (a false leak report),
// and the counts are the Release build's business anyway. The test is skipped.
#if defined(__SANITIZE_ADDRESS__) || defined(TRENCHCOAT_TSAN)
#define TRENCHCOAT_COUNT_ALLOCATIONS 0
#else
#define TRENCHCOAT_COUNT_ALLOCATIONS 1
#endif

// The replacements below pair malloc with free; GCC cannot see that every operator
// new here is malloc-based and warns about the pairing.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_in_kernels{0};
std::atomic<long> g_elsewhere{0};

#if TRENCHCOAT_COUNT_ALLOCATIONS
thread_local bool t_in_hook = false;

// Whether any frame of the current call stack is inside a trenchcoat GEMM function
// (gemm, validate_gemm, run_tiled_gemm ...: their mangled names contain "gemm") or
// Context::scratch.
bool called_from_kernels() {
  void* frames[32];
  const int n = ::backtrace(frames, 32);
  for (int i = 0; i < n; ++i) {
    Dl_info info;
    if (::dladdr(frames[i], &info) == 0 || info.dli_sname == nullptr) continue;
    const char* name = info.dli_sname;
    if (std::strstr(name, "10trenchcoat") == nullptr) continue;
    if (std::strstr(name, "gemm") != nullptr || std::strstr(name, "7Context7scratch") != nullptr) return true;
  }
  return false;
}

void count() {
  if (!g_counting.load(std::memory_order_relaxed) || t_in_hook) return;
  t_in_hook = true;
  (called_from_kernels() ? g_in_kernels : g_elsewhere).fetch_add(1, std::memory_order_relaxed);
  t_in_hook = false;
}
#endif

}  // namespace

#if TRENCHCOAT_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  count();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  count();
  const auto align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace trenchcoat::nn {
namespace {

struct Case {
  Strategy strategy;
  OptimizerKind kind;
  int threads;
};

class StepAllocations : public ::testing::TestWithParam<Case> {};

TEST_P(StepAllocations, NoneAfterTheFirstStep) {
  if (!TRENCHCOAT_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocations are counted in builds without a sanitizer";
  const Case k = GetParam();
  const Dataset data = make_mnist_like(1000, 1);
  Context ctx(ContextOptions{.threads = k.threads});
  Model m(parse_model_spec("784-64-32-10", "tanh"), 1);
  TrainerConfig c;
  c.batch_size = 100;
  c.epochs = 2;
  c.strategy = k.strategy;
  c.optimizer.kind = k.kind;
  c.optimizer.learning_rate = 0.01;
  c.schedule.kind = ScheduleKind::cosine;
  Trainer t(ctx, m, c);
  { void* warm[4]; ::backtrace(warm, 4); }  // backtrace() loads its unwinder on first use
  t.train_epoch(data, [&](const StepInfo& s) {
    // Count from the end of the first step to the end of the epoch.
    if (s.batch == 0) g_counting = true;
    return true;
  });
  g_counting = false;
  EXPECT_EQ(g_elsewhere.load(), 0) << "allocations in steps 2..10 outside the kernels";
  std::printf("allocations in steps 2..10: %ld inside the kernels, %ld elsewhere\n", g_in_kernels.load(),
              g_elsewhere.load());
  g_in_kernels = 0;
  g_elsewhere = 0;
}

INSTANTIATE_TEST_SUITE_P(NnAllocation, StepAllocations,
                         ::testing::Values(Case{Strategy::data_parallel, OptimizerKind::nesterov, 1},
                                           Case{Strategy::data_parallel, OptimizerKind::adam, 2},
                                           Case{Strategy::op_parallel, OptimizerKind::momentum, 2}));

}  // namespace
}  // namespace trenchcoat::nn
