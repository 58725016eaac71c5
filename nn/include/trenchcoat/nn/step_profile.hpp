#pragma once
// Where a training step's time goes: per phase (kernel family) and per Dense layer,
// the seconds every thread spent in it, with the floating-point work and the bytes
// it moved, so a report can show % of the epoch and the GFLOP/s or GB/s achieved.
//
//   StepProfiler profiler;
//   trainer.set_profiler(&profiler);     // before train_epoch(); nullptr turns it off
//   trainer.fit(data);
//   for (const ProfileEntry& e : profiler.entries()) ...
//
// Threads record into their own accumulators (no locks, no shared cache lines in the
// hot path); entries() merges them and must not run concurrently with a step.
// Seconds are thread-seconds: with T threads busy, a second of wall time counts T
// times, so the entries add up to the work done, and what is missing from
// T x wall_seconds() is time the threads spent waiting or being scheduled.
//
// Profiling changes no result: the same kernels run in the same order, with two clock
// reads around each.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace trenchcoat::nn {

enum class StepPhase : int {
  shuffle,              // the epoch's sample order
  gather,               // copying the batch's rows out of the dataset
  forward,              // Dense layers: GEMM + bias (+ fused ReLU)
  activation_forward,   // activation layers not fused into a GEMM
  loss,                 // softmax + cross-entropy or MSE, with d(loss)/d(output)
  activation_backward,  // through the activations
  weight_gradient,      // dW = X^T dY (GEMM)
  bias_gradient,        // db = column sums of dY
  input_gradient,       // dX = dY W^T (GEMM)
  gradient_check,       // bounding the gradient (NaN / Inf / overflow)
  reduction,            // summing the shards' gradients (data-parallel)
  optimizer,            // the parameter update
  count
};

std::string_view step_phase_name(StepPhase p) noexcept;

struct ProfileEntry {
  StepPhase phase = StepPhase::count;
  int layer = -1;        // Dense layer (0 = first), -1 for phases not tied to one
  double seconds = 0.0;  // thread-seconds
  double flops = 0.0;    // floating-point operations done (GEMMs: 2mnk)
  double bytes = 0.0;    // bytes read + written (memory-bound phases)
  std::int64_t calls = 0;
};

class StepProfiler {
 public:
  using Clock = std::chrono::steady_clock;

  StepProfiler();
  ~StepProfiler();
  StepProfiler(const StepProfiler&) = delete;
  StepProfiler& operator=(const StepProfiler&) = delete;

  // Adds one timed call of `phase` on the calling thread.
  void add(StepPhase phase, int layer, Clock::time_point start, double flops = 0.0, double bytes = 0.0) noexcept;
  // Adds wall time of whole steps (the trainer calls this once per step).
  void add_step(Clock::time_point start) noexcept;

  // Every (phase, layer) that was recorded, in phase then layer order.
  std::vector<ProfileEntry> entries() const;
  double wall_seconds() const noexcept { return wall_seconds_; }
  std::int64_t steps() const noexcept { return steps_; }
  void reset();

 private:
  struct Slots;
  std::unique_ptr<Slots> slots_;
  double wall_seconds_ = 0.0;
  std::int64_t steps_ = 0;
};

// Times one scope into a profiler; does nothing (not even read the clock) when the
// profiler is null.
class ProfileScope {
 public:
  ProfileScope(StepProfiler* p, StepPhase phase, int layer = -1, double flops = 0.0, double bytes = 0.0) noexcept
      : p_(p), phase_(phase), layer_(layer), flops_(flops), bytes_(bytes) {
    if (p_ != nullptr) start_ = StepProfiler::Clock::now();
  }
  ~ProfileScope() {
    if (p_ != nullptr) p_->add(phase_, layer_, start_, flops_, bytes_);
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  StepProfiler* p_;
  StepPhase phase_;
  int layer_;
  double flops_, bytes_;
  StepProfiler::Clock::time_point start_{};
};

}  // namespace trenchcoat::nn
