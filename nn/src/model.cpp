#include "trenchcoat/nn/model.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "trenchcoat/nn/random.hpp"

namespace trenchcoat::nn {
namespace {

ModelSpec validated(ModelSpec spec) {
  spec.validate();
  return spec;
}

}  // namespace

Model::Model(ModelSpec spec, std::uint64_t seed)
    : spec_(validated(std::move(spec))), layout_(spec_), params_(static_cast<std::size_t>(layout_.buffer_size())) {
  initialize(seed);
}

void Model::initialize(std::uint64_t seed) {
  std::fill(params_.span().begin(), params_.span().end(), 0.0f);
  Rng rng(derive_seed(seed, kInitStream));
  for (std::size_t d = 0; d < layout_.dense().size(); ++d) {
    const DenseSlot& slot = layout_.dense()[d];
    const Init init = spec_.layers[slot.layer].init;
    DenseParams p = dense(d);
    const auto fan_in = static_cast<double>(slot.in);
    const auto fan_out = static_cast<double>(slot.out);
    // Row-major over W, one draw per weight, in a fixed order.
    if (init == Init::he_normal) {
      const double stddev = std::sqrt(2.0 / fan_in);
      for (std::int64_t r = 0; r < p.weights.rows; ++r) {
        for (std::int64_t c = 0; c < p.weights.cols; ++c) p.weights.row(r)[c] = static_cast<float>(stddev * rng.normal());
      }
    } else {
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      for (std::int64_t r = 0; r < p.weights.rows; ++r) {
        for (std::int64_t c = 0; c < p.weights.cols; ++c) {
          p.weights.row(r)[c] = static_cast<float>(limit * (2.0 * rng.uniform() - 1.0));
        }
      }
    }
  }
}

}  // namespace trenchcoat::nn
