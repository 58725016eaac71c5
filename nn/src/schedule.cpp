#include "trenchcoat/nn/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace trenchcoat::nn {

std::string_view schedule_name(ScheduleKind k) noexcept {
  switch (k) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
  }
  return "unknown";
}

ScheduleKind parse_schedule(std::string_view name) {
  for (auto k : {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine}) {
    if (name == schedule_name(k)) return k;
  }
  throw std::invalid_argument("unknown schedule \"" + std::string(name) + "\" (available: constant, step, cosine)");
}

void ScheduleConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("schedule: " + what); };
  if (kind > ScheduleKind::cosine) bad("unknown schedule kind");
  if (warmup_steps < 0) bad("warm-up steps must be >= 0, not " + std::to_string(warmup_steps));
  if (kind == ScheduleKind::step) {
    if (step_epochs < 1) bad("step_epochs must be at least 1, not " + std::to_string(step_epochs));
    if (!std::isfinite(gamma) || gamma <= 0.0 || gamma > 1.0) {
      bad("gamma must be in (0, 1], not " + std::to_string(gamma));
    }
  }
  if (kind == ScheduleKind::cosine && (!std::isfinite(min_lr) || min_lr < 0.0)) {
    bad("min_lr must be a finite number >= 0, not " + std::to_string(min_lr));
  }
}

double learning_rate_at(const ScheduleConfig& s, double lr, std::int64_t step, std::int64_t total_steps,
                        std::int64_t steps_per_epoch) noexcept {
  double rate = lr;
  switch (s.kind) {
    case ScheduleKind::constant: break;
    case ScheduleKind::step: {
      const std::int64_t epoch = step / std::max<std::int64_t>(1, steps_per_epoch);
      const std::int64_t decays = epoch / s.step_epochs;  // whole periods only
      rate = lr * std::pow(s.gamma, static_cast<double>(decays));
      break;
    }
    case ScheduleKind::cosine: {
      // The cosine runs over the steps after the warm-up, reaching p = 1 just after
      // the last one (its rate is not wasted at min_lr), as PyTorch's annealing does.
      const std::int64_t span = std::max<std::int64_t>(1, total_steps - s.warmup_steps);
      const double p = std::clamp(static_cast<double>(step - s.warmup_steps) / static_cast<double>(span), 0.0, 1.0);
      const double floor = std::min(s.min_lr, lr);
      rate = floor + (lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
      break;
    }
  }
  if (step < s.warmup_steps) {
    rate *= static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps);
  }
  return rate;
}

}  // namespace trenchcoat::nn
