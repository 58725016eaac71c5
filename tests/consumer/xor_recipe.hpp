#pragma once
// The settings of tests/nn_training_test.cpp's XorNeedsAHiddenLayer, which learn XOR
// exactly (the result depends on neither the thread count nor the exchange): shared
// by the consumer programs.

#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace consumer {

inline trenchcoat::nn::Model xor_model() {
  return trenchcoat::nn::Model(trenchcoat::nn::parse_model_spec("2-2-2", "tanh"), /*seed=*/3);
}

inline trenchcoat::nn::TrainerConfig xor_config() {
  trenchcoat::nn::TrainerConfig config;
  config.batch_size = 4;
  config.epochs = 2000;
  config.seed = 11;
  config.optimizer.kind = trenchcoat::nn::OptimizerKind::sgd;
  config.optimizer.learning_rate = 0.5;
  return config;
}

}  // namespace consumer
