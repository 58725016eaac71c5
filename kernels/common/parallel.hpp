#pragma once
// Threading helpers shared by the element-wise, softmax and loss drivers. Include
// only from baseline (non-ISA) translation units: oneTBB's inline code must not be
// compiled with AVX-512 flags and then picked by the linker for every caller.

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

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
template <class F>
inline void run_tasks(Context& ctx, std::int64_t tasks, F&& body) {
  ctx.run([&] {
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<std::int64_t>(0, tasks, 1),
        [&](const oneapi::tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); },
        oneapi::tbb::auto_partitioner());
  });
}

}  // namespace trenchcoat::detail
