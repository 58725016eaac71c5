#pragma once
// One training epoch of the default MNIST recipe (model, batch, optimizer of
// `trenchcoat train`) on synthetic MNIST-shaped data, as a piece of work that
// `scaling` can run again and again on a given Context.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/dataset.hpp"

namespace trenchcoat::cli {

struct EpochSettings {
  std::string layers = "784-128-10";
  std::int64_t batch = 0;       // 0: the default MNIST recipe's
  std::int64_t samples = 60000; // MNIST's training set
  std::string strategy;          // empty: the MNIST recipe's
};

struct EpochCase {
  std::string label;  // "epoch/784-128-10/64/data"
  std::int64_t samples = 0;
  std::int64_t batch = 0;
  std::string strategy;         // "data" or "op"
  std::function<void()> call;   // one full epoch
  std::shared_ptr<void> state;  // model and trainer
};

// The data set the cases train on (make_mnist_like, seeded): build it once and share it.
std::shared_ptr<const nn::Dataset> make_epoch_data(const EpochSettings& settings);

// Throws UsageError for a bad --layers, --batch or --strategy. `ctx` and `data` must
// outlive the case.
EpochCase make_epoch_case(const EpochSettings& settings, Context& ctx, const nn::Dataset& data);

}  // namespace trenchcoat::cli
