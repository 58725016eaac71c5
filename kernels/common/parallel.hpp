#pragma once
// Threading helpers shared by the element-wise, softmax and loss drivers. Include
// only from baseline (non-ISA) translation units: oneTBB's inline code must not be
// compiled with AVX-512 flags and then picked by the linker for every caller.

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <cstdint>

#include "runtime/float_env.hpp"
#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::detail {

inline std::int64_t div_up(std::int64_t a, std::int64_t b) noexcept { return (a + b - 1) / b; }

// body() on the calling thread with flush-to-zero / denormals-are-zero, exactly as
// Context::run() does with one thread, but without entering the Context's arena even
// when it has several threads: a small problem never wakes a worker.
template <class F>
inline void run_here(F&& body) {
  DenormalsAreZeroScope ftz;
  body();
}

// body(first, last) over subranges of the tasks [0, tasks), on the Context's threads
// (with FTZ/DAZ on each). Which thread runs which task varies; what a task computes
// must not depend on it.
//
// oneTBB loads the floating-point settings captured by a task's task_group_context
// before running it, on whichever thread, overriding whatever the Context's observer
// or run() set on that thread (measured: inside Context::run, parallel_for bodies saw
// MXCSR without FTZ/DAZ on the caller and the worker alike). A context created here,
// inside run() where the calling thread has FTZ/DAZ on, captures those settings, and
// every task of the loop then runs with them.
//
// Under ThreadSanitizer, each task also synchronises through an atomic with the
// thread that started the loop (before the tasks run and after they all finish).
// libtbb is not instrumented, so TSan cannot see the ordering its scheduler already
// provides, and reports the caller's reuse of stack or buffers after the loop as a
// race. The atomic makes that ordering visible; other builds compile it out.
template <class F>
inline void run_tasks(Context& ctx, std::int64_t tasks, F&& body) {
  ctx.run([&] {
    oneapi::tbb::task_group_context group(oneapi::tbb::task_group_context::bound,
                                          oneapi::tbb::task_group_context::default_traits |
                                              oneapi::tbb::task_group_context::fp_settings);
#if defined(TRENCHCOAT_TSAN)
    std::atomic<int> order{0};
    order.store(1, std::memory_order_release);
#endif
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<std::int64_t>(0, tasks, 1),
        [&](const oneapi::tbb::blocked_range<std::int64_t>& r) {
#if defined(TRENCHCOAT_TSAN)
          (void)order.load(std::memory_order_acquire);
#endif
          body(r.begin(), r.end());
#if defined(TRENCHCOAT_TSAN)
          order.fetch_add(1, std::memory_order_acq_rel);
#endif
        },
        oneapi::tbb::auto_partitioner(), group);
#if defined(TRENCHCOAT_TSAN)
    (void)order.load(std::memory_order_acquire);
#endif
  });
}

}  // namespace trenchcoat::detail
