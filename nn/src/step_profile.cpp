#include "trenchcoat/nn/step_profile.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>

namespace trenchcoat::nn {
namespace {

constexpr int kPhases = static_cast<int>(StepPhase::count);

// Row (layer + 1), column phase: grows the first time a thread sees a deeper layer.
using Table = std::vector<ProfileEntry>;

std::size_t index_of(StepPhase phase, int layer) noexcept {
  return static_cast<std::size_t>(layer + 1) * kPhases + static_cast<std::size_t>(phase);
}

}  // namespace

struct StepProfiler::Slots {
  oneapi::tbb::enumerable_thread_specific<Table> tables;
};

std::string_view step_phase_name(StepPhase p) noexcept {
  switch (p) {
    case StepPhase::shuffle: return "shuffle";
    case StepPhase::gather: return "gather";
    case StepPhase::forward: return "forward";
    case StepPhase::activation_forward: return "activation_forward";
    case StepPhase::loss: return "loss";
    case StepPhase::activation_backward: return "activation_backward";
    case StepPhase::weight_gradient: return "weight_gradient";
    case StepPhase::bias_gradient: return "bias_gradient";
    case StepPhase::input_gradient: return "input_gradient";
    case StepPhase::gradient_check: return "gradient_check";
    case StepPhase::reduction: return "reduction";
    case StepPhase::optimizer: return "optimizer";
    case StepPhase::count: break;
  }
  return "unknown";
}

StepProfiler::StepProfiler() : slots_(std::make_unique<Slots>()) {}
StepProfiler::~StepProfiler() = default;

void StepProfiler::add(StepPhase phase, int layer, Clock::time_point start, double flops, double bytes) noexcept {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (layer < -1) layer = -1;
  Table& t = slots_->tables.local();
  const std::size_t i = index_of(phase, layer);
  if (i >= t.size()) {
    try {
      t.resize(static_cast<std::size_t>(layer + 2) * kPhases);  // whole rows
    } catch (...) {
      return;  // out of memory for a profile row: drop the sample, never the step
    }
  }
  ProfileEntry& e = t[i];
  e.seconds += seconds;
  e.flops += flops;
  e.bytes += bytes;
  ++e.calls;
}

void StepProfiler::add_step(Clock::time_point start) noexcept {
  wall_seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
  ++steps_;
}

std::vector<ProfileEntry> StepProfiler::entries() const {
  Table sum;
  for (const Table& t : slots_->tables) {
    if (t.size() > sum.size()) sum.resize(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      sum[i].seconds += t[i].seconds;
      sum[i].flops += t[i].flops;
      sum[i].bytes += t[i].bytes;
      sum[i].calls += t[i].calls;
    }
  }
  std::vector<ProfileEntry> out;
  for (int phase = 0; phase < kPhases; ++phase) {
    for (std::size_t row = 0; (row + 1) * kPhases <= sum.size(); ++row) {
      ProfileEntry e = sum[row * kPhases + static_cast<std::size_t>(phase)];
      if (e.calls == 0) continue;
      e.phase = static_cast<StepPhase>(phase);
      e.layer = static_cast<int>(row) - 1;
      out.push_back(e);
    }
  }
  return out;
}

void StepProfiler::reset() {
  slots_->tables.clear();
  wall_seconds_ = 0.0;
  steps_ = 0;
}

}  // namespace trenchcoat::nn
