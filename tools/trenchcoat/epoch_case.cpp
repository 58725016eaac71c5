#include "epoch_case.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "cli_common.hpp"
#include "data_source.hpp"
#include "train_options.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::cli {
namespace {

struct Training {
  nn::Model model;
  nn::Trainer trainer;
  Training(nn::ModelSpec spec, Context& ctx, const nn::TrainerConfig& config)
      : model(std::move(spec), /*seed=*/1), trainer(ctx, model, config) {}
};

// The trainer configuration and model the settings describe (UsageError when bad).
std::pair<nn::TrainerConfig, nn::ModelSpec> plan(const EpochSettings& s) {
  const Recipe r = default_recipe(DataKind::mnist);
  nn::TrainerConfig config;
  config.batch_size = s.batch > 0 ? s.batch : r.batch;
  config.epochs = std::int64_t{1} << 30;  // never finishes while timed
  config.optimizer = {.kind = r.optimizer, .learning_rate = r.lr, .momentum = r.momentum, .weight_decay = r.weight_decay};
  config.schedule.kind = r.schedule;
  config.schedule.warmup_steps = r.warmup;
  config.strategy = r.strategy;
  try {
    if (!s.strategy.empty()) config.strategy = nn::parse_strategy(s.strategy);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("--strategy {}: {}", s.strategy, e.what()));
  }
  if (config.batch_size > s.samples) {
    throw UsageError(fmt::format("--batch {}: larger than the {} samples", config.batch_size, s.samples));
  }
  nn::ModelSpec spec;
  try {
    spec = nn::parse_model_spec(s.layers, r.activation);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("--layers {}: {}", s.layers, e.what()));
  }
  if (spec.inputs != 784 || spec.outputs() != 10) {
    throw UsageError(fmt::format("--layers {}: the synthetic data is MNIST-shaped (784 inputs, 10 classes)", s.layers));
  }
  return {config, std::move(spec)};
}

}  // namespace

std::shared_ptr<const nn::Dataset> make_epoch_data(const EpochSettings& s) {
  (void)plan(s);  // a bad flag is reported before seconds are spent making the data
  return std::make_shared<const nn::Dataset>(nn::make_mnist_like(s.samples, /*seed=*/1));
}

EpochCase make_epoch_case(const EpochSettings& s, Context& ctx, const nn::Dataset& data) {
  auto [config, spec] = plan(s);
  auto training = std::make_shared<Training>(std::move(spec), ctx, config);
  EpochCase c;
  c.label = fmt::format("epoch/{}/{}/{}", s.layers, config.batch_size, nn::strategy_name(config.strategy));
  c.samples = data.samples;
  c.batch = config.batch_size;
  c.strategy = std::string(nn::strategy_name(config.strategy));
  Training* t = training.get();
  const nn::Dataset* d = &data;
  c.call = [t, d] { (void)t->trainer.train_epoch(*d); };
  c.state = std::move(training);
  return c;
}

}  // namespace trenchcoat::cli
