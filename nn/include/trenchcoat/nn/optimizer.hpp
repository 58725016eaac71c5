#pragma once
// Optimizers over the model's single parameter buffer. The state (velocity, Adam's
// moments) has the parameters' layout, so an update is one element-wise sweep that
// can be cut into blocks anywhere: every element's arithmetic is the same whatever
// block or thread it lands in, so the result never depends on the thread count.
//
// The updates follow PyTorch's definitions (g is the gradient, w the parameter, lr
// the step's learning rate, wd the weight decay):
//   sgd       w -= lr * (g + wd w)
//   momentum  v = mu v + (g + wd w);  w -= lr * v
//   nesterov  v = mu v + (g + wd w);  w -= lr * ((g + wd w) + mu v)
//   adam      m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2  with g' = g + wd w
//             w -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
//   adamw     w *= 1 - lr wd, then adam's update with g' = g (decoupled decay)
// Weight decay applies to every parameter, biases included (PyTorch's default).

#include <cstdint>
#include <span>
#include <string_view>

#include "trenchcoat/nn/float_buffer.hpp"

namespace trenchcoat::nn {

enum class OptimizerKind : std::uint8_t { sgd, momentum, nesterov, adam, adamw };

std::string_view optimizer_name(OptimizerKind k) noexcept;  // "sgd", "momentum", "nesterov", "adam", "adamw"
OptimizerKind parse_optimizer(std::string_view name);        // throws std::invalid_argument

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double learning_rate = 0.01;
  double momentum = 0.9;       // momentum, nesterov
  double beta1 = 0.9;          // adam, adamw
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;

  // Throws std::invalid_argument for NaN/Inf, a learning rate <= 0, a momentum or
  // beta outside [0, 1), epsilon <= 0, weight decay < 0.
  void validate() const;
  friend bool operator==(const OptimizerConfig&, const OptimizerConfig&) = default;
};

// The per-step constants, computed once in double and rounded to float, so that an
// update of any block of the buffer uses exactly the same numbers.
struct UpdateCoefficients {
  float lr = 0, weight_decay = 0, momentum = 0;
  float beta1 = 0, one_minus_beta1 = 0, beta2 = 0, one_minus_beta2 = 0;
  float step_size = 0;          // adam: lr / (1 - beta1^t)
  float inv_sqrt_bias2 = 0;     // adam: 1 / sqrt(1 - beta2^t)
  float epsilon = 0;
  float decay_factor = 1;       // adamw: 1 - lr * wd
};

class Optimizer {
 public:
  // State for a buffer of `size` floats (the model's layout().buffer_size()).
  Optimizer(const OptimizerConfig& config, std::int64_t size);

  const OptimizerConfig& config() const noexcept { return config_; }
  OptimizerKind kind() const noexcept { return config_.kind; }
  // Updates applied so far (Adam's bias correction counts them).
  std::int64_t steps() const noexcept { return steps_; }

  // State buffers: none for sgd, the velocity for (nesterov) momentum, the first and
  // second moments for adam/adamw.
  int state_count() const noexcept;
  std::span<float> state(int i) noexcept { return state_[i].span(); }
  std::span<const float> state(int i) const noexcept { return state_[i].span(); }

  // The constants of the next update at learning rate `lr` (this step's schedule).
  UpdateCoefficients coefficients(double lr) const;
  // Updates elements [begin, end) of the buffer. Blocks may run concurrently.
  void update(const UpdateCoefficients& c, std::span<float> params, std::span<const float> grads,
              std::int64_t begin, std::int64_t end) noexcept;
  // The same for elements [begin, begin + grad_block.size()), with their gradient
  // held apart (grad_block[i] belongs to element begin + i): a reduction can hand
  // over each block of summed gradients while it is still in L1.
  void update_block(const UpdateCoefficients& c, std::span<float> params, std::int64_t begin,
                    std::span<const float> grad_block) noexcept;
  // Call once after every block of a step has been updated.
  void finish_step() noexcept { ++steps_; }

  // For checkpoints: restores the step counter (state buffers are written directly).
  void set_steps(std::int64_t steps);

 private:
  OptimizerConfig config_;
  std::int64_t steps_ = 0;
  FloatBuffer state_[2];
};

}  // namespace trenchcoat::nn
