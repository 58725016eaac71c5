#pragma once
// Learning-rate schedules as pure functions of the optimizer step, so a resumed run
// (which knows its step) continues on exactly the same curve.
//
//   constant  lr
//   step      lr * gamma^floor(epoch / step_epochs)       (epoch = step / steps_per_epoch)
//   cosine    min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2, p = progress in [0, 1]
// Any of them may start with a linear warm-up: over the first warmup_steps steps the
// rate rises linearly to the schedule's value, lr * (step + 1) / warmup_steps.

#include <cstdint>
#include <string_view>

namespace trenchcoat::nn {

enum class ScheduleKind : std::uint8_t { constant, step, cosine };

std::string_view schedule_name(ScheduleKind k) noexcept;  // "constant", "step", "cosine"
ScheduleKind parse_schedule(std::string_view name);       // throws std::invalid_argument

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::constant;
  std::int64_t warmup_steps = 0;
  std::int64_t step_epochs = 1;   // step: decay every this many epochs
  double gamma = 0.1;             // step: decay factor, in (0, 1]
  double min_lr = 0.0;            // cosine: the final rate, in [0, lr]

  // Throws std::invalid_argument for a negative warm-up, step_epochs < 1, gamma
  // outside (0, 1], min_lr negative or not finite.
  void validate() const;
  friend bool operator==(const ScheduleConfig&, const ScheduleConfig&) = default;
};

// The learning rate of optimizer step `step` (0-based) in a run of `total_steps`
// steps with `steps_per_epoch` steps per epoch and base rate `lr`.
double learning_rate_at(const ScheduleConfig& schedule, double lr, std::int64_t step, std::int64_t total_steps,
                        std::int64_t steps_per_epoch) noexcept;

}  // namespace trenchcoat::nn
