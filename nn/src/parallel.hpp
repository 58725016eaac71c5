#pragma once
// The two loop shapes nn runs on a Context's threads. Both must be called from
// inside ctx.run() (which puts the calling thread in the Context's arena and turns
// on flush-to-zero / denormals-are-zero); with one thread they are plain loops on
// the calling thread, so no oneTBB default arena (every core) is ever touched by
// accident.
//
// Floating-point settings: oneTBB runs each task with the settings captured by its
// task_group_context, on whichever thread (the kernels' threading helpers found
// that, without one captured inside run(), tasks see MXCSR without FTZ/DAZ). So each
// loop here gets a context that captures the calling thread's settings — FTZ/DAZ
// from run() — and every task computes exactly as the calling thread would:
// otherwise a denormal could round differently depending on which thread ran it.

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <cstdint>

#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::nn::detail {

// A task_group_context that hands the calling thread's floating-point settings to
// every task run under it.
inline oneapi::tbb::task_group_context same_float_settings() {
  // NOLINTNEXTLINE(modernize-return-braced-init-list): the constructor is explicit, so {...} does not compile
  return oneapi::tbb::task_group_context(oneapi::tbb::task_group_context::bound,
                                         oneapi::tbb::task_group_context::default_traits |
                                             oneapi::tbb::task_group_context::fp_settings);
}

// f(i) for i in [0, n), one task per index: for coarse, equal-sized work items
// (shards). Which thread runs which index does not matter to the result.
template <class F>
void for_each_task(const Context& ctx, std::int64_t n, const F& f) {
  if (ctx.threads() == 1 || n == 1) {
    for (std::int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  oneapi::tbb::task_group_context group = same_float_settings();
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::int64_t>(0, n, 1),
      [&f](const oneapi::tbb::blocked_range<std::int64_t>& r) {
        for (std::int64_t i = r.begin(); i != r.end(); ++i) f(i);
      },
      oneapi::tbb::simple_partitioner(), group);
}

// f(begin, end) over [0, size) in blocks of `block` elements: for element-wise
// sweeps, where any split gives the same result.
template <class F>
void for_each_block(const Context& ctx, std::int64_t size, std::int64_t block, const F& f) {
  const std::int64_t blocks = (size + block - 1) / block;
  auto run = [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) f(b * block, std::min(size, (b + 1) * block));
  };
  if (ctx.threads() == 1 || blocks <= 1) {
    run(0, blocks);
    return;
  }
  // A few blocks per task: enough tasks to balance, few enough that scheduling is
  // noise next to a block's work.
  const std::int64_t grain = std::max<std::int64_t>(1, blocks / (std::int64_t{8} * ctx.threads()));
  oneapi::tbb::task_group_context group = same_float_settings();
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::int64_t>(0, blocks, grain),
      [&run](const oneapi::tbb::blocked_range<std::int64_t>& r) {
        run(r.begin(), r.end());
      },
      oneapi::tbb::simple_partitioner(), group);
}

}  // namespace trenchcoat::nn::detail
