// Finite-difference check of backpropagation: for every activation, both heads and
// several layer arrangements (fused Dense+ReLU, in-place and kept activations,
// activations back to back, an activation first, Dense after Dense), every parameter
// gradient that BatchPass::backward computes must match the central difference of
// the loss computed by forward + loss.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/random_fill.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/model.hpp"

namespace trenchcoat::nn {
namespace {

struct Problem {
  ModelSpec spec;
  std::vector<float> x;
  std::vector<std::int32_t> labels;
  std::vector<float> targets;
  std::int64_t rows = 7;
};

Problem make_problem(ModelSpec spec, std::uint32_t seed) {
  Problem p;
  p.spec = std::move(spec);
  p.x = testing::random_floats(static_cast<std::size_t>(p.rows * p.spec.inputs), seed, -1.5f, 1.5f);
  const std::int64_t outputs = p.spec.outputs();
  for (std::int64_t r = 0; r < p.rows; ++r) p.labels.push_back(static_cast<std::int32_t>((r * 7 + seed) % outputs));
  p.targets = testing::random_floats(static_cast<std::size_t>(p.rows * outputs), seed + 1);
  return p;
}

BatchTargets targets_of(const Problem& p) {
  BatchTargets t;
  if (p.spec.head == Head::softmax_cross_entropy) {
    t.labels = p.labels;
  } else {
    t.values = dense(p.targets.data(), p.rows, p.spec.outputs());
  }
  return t;
}

// Mean loss of the model on the problem (the same scale backward() differentiates).
double mean_loss(Context& ctx, BatchPass& pass, const Model& m, const Problem& p) {
  pass.forward(ctx, m, dense(p.x.data(), p.rows, p.spec.inputs));
  return pass.loss(ctx, m, targets_of(p), 0.0f) * mean_loss_scale(p.spec.head, p.rows, p.spec.outputs());
}

void check_gradients(const ModelSpec& spec, std::uint32_t seed) {
  SCOPED_TRACE(spec.describe());
  Context ctx(ContextOptions{.threads = 1});
  const Problem p = make_problem(spec, seed);
  Model m(spec, seed);
  // Biases start at zero; give them values so their gradients are exercised away
  // from any special point.
  for (std::size_t d = 0; d < m.layout().dense().size(); ++d) {
    const auto b = testing::random_floats(m.dense(d).bias.size(), seed + 10 + static_cast<std::uint32_t>(d), -0.3f, 0.3f);
    std::copy(b.begin(), b.end(), m.dense(d).bias.begin());
  }
  BatchPass pass(spec, p.rows);
  std::vector<float> grads(static_cast<std::size_t>(m.layout().buffer_size()), -7.0f);
  pass.forward(ctx, m, dense(p.x.data(), p.rows, spec.inputs));
  const auto scale = static_cast<float>(mean_loss_scale(spec.head, p.rows, spec.outputs()));
  pass.loss(ctx, m, targets_of(p), scale);
  pass.backward(ctx, m, grads);

  int checked = 0, kinks = 0;
  for (const DenseSlot& slot : m.layout().dense()) {
    auto check_range = [&](std::int64_t offset, std::int64_t count, const char* what) {
      for (std::int64_t i = offset; i < offset + count; ++i) {
        float& w = m.parameters()[static_cast<std::size_t>(i)];
        const float saved = w;
        auto central = [&](float h) {
          w = saved + h;
          const double up = mean_loss(ctx, pass, m, p);
          w = saved - h;
          const double down = mean_loss(ctx, pass, m, p);
          w = saved;
          // The perturbation actually applied, after rounding to float.
          return (up - down) / (double(saved + h) - double(saved - h));
        };
        const double n1 = central(1e-2f);
        const double n2 = central(5e-3f);
        const double analytic = grads[static_cast<std::size_t>(i)];
        const double tol = 2e-3 + 2e-2 * std::abs(n2);
        // The two step sizes disagree only where a kink (ReLU at 0) lies within the
        // step; there the central difference is meaningless, so skip the point.
        if (std::abs(n1 - n2) > tol) {
          ++kinks;
          continue;
        }
        EXPECT_NEAR(analytic, n2, tol) << what << " element " << i - offset << " of dense layer at "
                                       << slot.layer;
        ++checked;
      }
    };
    check_range(slot.weight_offset, slot.in * slot.out, "weight");
    check_range(slot.bias_offset, slot.out, "bias");
  }
  EXPECT_LE(kinks * 20, checked + kinks) << "too many points near a kink to trust the check";
  // Padding between tensors is never written.
  const ParameterLayout& layout = m.layout();
  std::vector<bool> real(grads.size(), false);
  for (const DenseSlot& s : layout.dense()) {
    for (std::int64_t i = 0; i < s.in * s.out; ++i) real[static_cast<std::size_t>(s.weight_offset + i)] = true;
    for (std::int64_t i = 0; i < s.out; ++i) real[static_cast<std::size_t>(s.bias_offset + i)] = true;
  }
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!real[i]) {
      EXPECT_EQ(grads[i], -7.0f) << "padding element " << i << " was written";
    }
  }
}

class EveryActivation : public ::testing::TestWithParam<Activation> {};

TEST_P(EveryActivation, TwoHiddenLayersCrossEntropy) {
  ModelSpec s = parse_model_spec("5-6-4-3", std::string(activation_name(GetParam())));
  check_gradients(s, 3);
}

TEST_P(EveryActivation, TwoHiddenLayersMse) {
  ModelSpec s = parse_model_spec("5-6-4-2", std::string(activation_name(GetParam())), Head::mse);
  check_gradients(s, 4);
}

TEST_P(EveryActivation, AfterAnotherActivationAndOnTheOutput) {
  // act(GetParam) between tanh and sigmoid (both of which need their outputs kept),
  // and once more on the output in front of the head.
  ModelSpec s;
  s.inputs = 4;
  s.layers = {LayerSpec::dense(5),          LayerSpec::act(Activation::tanh), LayerSpec::act(GetParam()),
              LayerSpec::act(Activation::sigmoid), LayerSpec::dense(3),       LayerSpec::act(GetParam())};
  s.head = Head::mse;
  check_gradients(s, 5);
}

INSTANTIATE_TEST_SUITE_P(NnGradient, EveryActivation, ::testing::ValuesIn(kAllActivations),
                         [](const ::testing::TestParamInfo<Activation>& param) {
                           return std::string(activation_name(param.param));
                         });

TEST(NnGradient, ActivationFirstAndDenseAfterDense) {
  ModelSpec s;
  s.inputs = 4;
  s.layers = {LayerSpec::act(Activation::tanh), LayerSpec::dense(5), LayerSpec::dense(3, Init::xavier_uniform),
              LayerSpec::act(Activation::relu), LayerSpec::act(Activation::identity), LayerSpec::dense(3)};
  check_gradients(s, 6);
}

TEST(NnGradient, LeakyReluWithCustomSlope) {
  ModelSpec s = parse_model_spec("4-6-3", "leaky_relu");
  s.layers[1].activation.slope = 0.2f;
  check_gradients(s, 7);
}

TEST(NnGradient, SingleDenseLayer) {
  check_gradients(parse_model_spec("6-4", "relu"), 8);
  check_gradients(parse_model_spec("6-2", "relu", Head::mse), 9);
}

TEST(NnGradient, FusedReluPlan) {
  // Dense+ReLU runs as one GEMM: the ReLU layer writes nothing of its own.
  BatchPass pass(parse_model_spec("8-6-4", "relu"), 4);
  ASSERT_EQ(pass.plan().size(), 3u);
  EXPECT_TRUE(pass.plan()[0].fuse_next);
  EXPECT_TRUE(pass.plan()[1].fused);
  EXPECT_EQ(pass.plan()[1].output, pass.plan()[0].output);
  EXPECT_FALSE(pass.plan()[0].input_grad);  // the first layer's input gradient is not computed
  EXPECT_TRUE(pass.plan()[2].input_grad);
}

}  // namespace
}  // namespace trenchcoat::nn
