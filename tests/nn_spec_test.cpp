// Model specs: parsing "784-128-10" + activation, the errors for bad specs, the
// printed form, the parameter layout and the seeded initialisation.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/parameter_layout.hpp"

namespace trenchcoat::nn {
namespace {

// The message of the std::invalid_argument `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(NnSpec, ParsesWidthsAndActivation) {
  const ModelSpec s = parse_model_spec("784-128-64-10", "tanh");
  EXPECT_EQ(s.inputs, 784);
  ASSERT_EQ(s.layers.size(), 5u);
  EXPECT_EQ(s.layers[0].kind, LayerKind::dense);
  EXPECT_EQ(s.layers[0].units, 128);
  EXPECT_EQ(s.layers[0].init, Init::xavier_uniform);  // tanh wants Xavier
  EXPECT_EQ(s.layers[1].kind, LayerKind::activation);
  EXPECT_EQ(s.layers[1].activation.kind, Activation::tanh);
  EXPECT_EQ(s.layers[2].units, 64);
  EXPECT_EQ(s.layers[4].units, 10);
  EXPECT_EQ(s.outputs(), 10);
  EXPECT_EQ(s.head, Head::softmax_cross_entropy);
  EXPECT_EQ(parse_model_spec("2-1", "relu", Head::mse).layers.size(), 1u);  // no hidden layer
  EXPECT_EQ(parse_model_spec("784-128-10", "relu").layers[0].init, Init::he_normal);
}

TEST(NnSpec, DescribeRoundTrips) {
  const ModelSpec s = parse_model_spec("784-128-10", "relu");
  EXPECT_EQ(s.describe(), "784-128-10 relu softmax_cross_entropy");
  ModelSpec custom;
  custom.inputs = 3;
  custom.layers = {LayerSpec::dense(4), LayerSpec::act(Activation::tanh), LayerSpec::act(Activation::sigmoid),
                   LayerSpec::dense(2, Init::xavier_uniform)};
  custom.head = Head::mse;
  EXPECT_EQ(custom.describe(), "3 dense:4:he_normal tanh sigmoid dense:2:xavier_uniform mse");
  EXPECT_EQ(custom.outputs(), 2);
  EXPECT_NO_THROW(custom.validate());
}

TEST(NnSpec, BadSpecsSayWhatIsWrong) {
  struct Case {
    const char* layers;
    const char* activation;
    const char* expected;  // a fragment of the message
  };
  const Case cases[] = {
      {"", "relu", "empty"},
      {"784", "relu", "at least an input and an output"},
      {"784-", "relu", "width 2 of 2 is empty"},
      {"-10", "relu", "width 1 of 2 is empty"},
      {"784--10", "relu", "width 2 of 3 is empty"},
      {"784-abc-10", "relu", "\"abc\") is not a positive whole number"},
      {"784-0-10", "relu", "width 2 of 3 is zero"},
      {"784- 12-10", "relu", "is not a positive whole number"},
      {"784-+12-10", "relu", "is not a positive whole number"},
      {"784--12-10", "relu", "is empty"},
      {"784-99999999999999999999-10", "relu", "exceeds the limit"},
      {"784-20000000-10", "relu", "exceeds the limit"},
      {"784-128-1", "relu", "at least 2 outputs"},
      {"784-128-10", "rleu", "activation \"rleu\""},
      {"65536-65536-65536", "relu", "more than"},
  };
  for (const Case& c : cases) {
    const std::string msg = error_of([&] { parse_model_spec(c.layers, c.activation); });
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "spec \"" << c.layers << "\" " << c.activation
                                                       << " gave: " << msg;
  }
  ModelSpec none;
  none.inputs = 4;
  EXPECT_NE(error_of([&] { none.validate(); }).find("no layers"), std::string::npos);
  none.layers = {LayerSpec::act(Activation::relu)};
  EXPECT_NE(error_of([&] { none.validate(); }).find("no dense layer"), std::string::npos);
  ModelSpec nan_slope = parse_model_spec("4-3-2", "leaky_relu");
  nan_slope.layers[1].activation.slope = std::nanf("");
  EXPECT_NE(error_of([&] { nan_slope.validate(); }).find("slope"), std::string::npos);
  EXPECT_NE(error_of([&] { Model(nan_slope, 1); }).find("slope"), std::string::npos);
}

TEST(NnSpec, LayoutIsOneAlignedBufferWithViews) {
  const ModelSpec s = parse_model_spec("5-3-2", "relu");
  const ParameterLayout layout(s);
  ASSERT_EQ(layout.dense().size(), 2u);
  EXPECT_EQ(layout.parameter_count(), 5 * 3 + 3 + 3 * 2 + 2);
  for (const DenseSlot& d : layout.dense()) {
    EXPECT_EQ(d.weight_offset % 16, 0);
    EXPECT_EQ(d.bias_offset % 16, 0);
  }
  EXPECT_EQ(layout.dense_index(0), 0);
  EXPECT_EQ(layout.dense_index(1), -1);
  EXPECT_EQ(layout.dense_index(2), 1);
  Model m(s, 7);
  EXPECT_EQ(m.dense(0).weights.rows, 5);
  EXPECT_EQ(m.dense(0).weights.cols, 3);
  EXPECT_EQ(m.dense(1).bias.size(), 2u);
  // Packing and unpacking move exactly the real parameters.
  std::vector<float> packed(static_cast<std::size_t>(layout.parameter_count()));
  layout.pack(m.parameters(), packed);
  Model copy(s, 99);
  layout.unpack(packed, copy.parameters());
  for (std::size_t i = 0; i < m.parameters().size(); ++i) EXPECT_EQ(m.parameters()[i], copy.parameters()[i]);
}

TEST(NnSpec, InitialisationFollowsTheSeedAndTheScheme) {
  const ModelSpec s = parse_model_spec("400-300-10", "relu");
  Model a(s, 5), b(s, 5), c(s, 6);
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.parameters().size(); ++i) {
    EXPECT_EQ(a.parameters()[i], b.parameters()[i]);
    same += a.parameters()[i] == c.parameters()[i] ? 1 : 0;
  }
  EXPECT_LT(same, a.parameters().size() / 10 + 400);  // only zeros (biases, padding) coincide
  // He normal: mean 0, variance 2 / fan_in; biases zero.
  double sum = 0, sq = 0;
  const ConstDenseParams w = a.dense(0);
  for (std::int64_t r = 0; r < w.weights.rows; ++r) {
    for (std::int64_t col = 0; col < w.weights.cols; ++col) {
      sum += w.weights.row(r)[col];
      sq += double(w.weights.row(r)[col]) * w.weights.row(r)[col];
    }
  }
  const double n = 400.0 * 300.0;
  EXPECT_NEAR(sum / n, 0.0, 0.003);
  EXPECT_NEAR(sq / n, 2.0 / 400.0, 0.05 * 2.0 / 400.0);
  for (float b0 : w.bias) EXPECT_EQ(b0, 0.0f);
  // Xavier uniform: within +-sqrt(6 / (fan_in + fan_out)).
  Model x(parse_model_spec("400-300-10", "tanh"), 5);
  const float limit = std::sqrt(6.0f / 700.0f);
  float largest = 0;
  const ConstDenseParams xw = x.dense(0);
  for (std::int64_t r = 0; r < xw.weights.rows; ++r) {
    for (std::int64_t col = 0; col < xw.weights.cols; ++col) largest = std::max(largest, std::abs(xw.weights.row(r)[col]));
  }
  EXPECT_LE(largest, limit);
  EXPECT_GT(largest, 0.99f * limit);
}

}  // namespace
}  // namespace trenchcoat::nn
