#pragma once
// The FLOPs of one training sample that the training benchmarks count (ours and the
// baseline trainer's alike): the GEMMs a step cannot avoid, the forward pass (2 in
// out per Dense layer), the weight gradients (the same again) and the input gradient
// of every Dense layer but the first. For 784-128-10: 409 088 per sample, 24.5 GFLOP
// per 60 000-sample epoch.

#include "trenchcoat/nn/layers.hpp"

namespace trenchcoat::bench {

inline double training_flops_per_sample(const nn::ModelSpec& spec) {
  double flops = 0;
  bool first = true;
  std::int64_t width = spec.inputs;
  for (const nn::LayerSpec& l : spec.layers) {
    if (l.kind != nn::LayerKind::dense) continue;
    const double mac = static_cast<double>(width) * static_cast<double>(l.units);
    flops += 2 * mac * (first ? 2 : 3);  // forward + weight gradient (+ input gradient)
    first = false;
    width = l.units;
  }
  return flops;
}

}  // namespace trenchcoat::bench
