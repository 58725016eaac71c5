#pragma once
// Threading helpers shared by the element-wise, softmax and loss drivers. Include
// only from baseline (non-ISA) translation units: oneTBB's inline code must not be
// compiled with AVX-512 flags and then picked by the linker for every caller.

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_group.h>

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
template <class F>
inline void run_tasks(Context& ctx, std::int64_t tasks, F&& body) {
  ctx.run([&] {
    oneapi::tbb::task_group_context group(oneapi::tbb::task_group_context::bound,
                                          oneapi::tbb::task_group_context::default_traits |
                                              oneapi::tbb::task_group_context::fp_settings);
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<std::int64_t>(0, tasks, 1),
        [&](const oneapi::tbb::blocked_range<std::int64_t>& r) {
          body(r.begin(), r.end());
        },
        oneapi::tbb::auto_partitioner(), group);
  });
}

}  // namespace trenchcoat::detail
