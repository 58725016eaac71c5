// Every registered loss variant (fused softmax + cross-entropy, squared error)
// against the double-precision reference: edge widths, strided and unaligned views,
// the gradient aliasing its input, confident rows (loss near 0), awkward rows,
// finite differences for both gradients, bit-identity across thread counts (loss and
// gradient), and the argument checks (labels named by row and value).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/float_checks.hpp"
#include "support/random_fill.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/loss.hpp"

namespace trenchcoat {
namespace {

using testing::Buffer;
using testing::error_ratio;
using testing::same_float;

// The sizes; width 0 cannot hold a label.
std::vector<std::size_t> widths() {
  std::vector<std::size_t> w = testing::edge_sizes();
  w.erase(w.begin());
  return w;
}

// The bar of issue 3 for the cross-entropy: 1e-6 relative, or 1e-7 absolute near 0
// (for the gradient, 1e-7 times grad_scale: the gradient's natural unit).
constexpr double kRel = 1e-6;
constexpr double kAbs = 1e-7;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

const LossVariant& reference_variant() {
  for (const auto& v : loss_variants()) {
    if (v.info.reference) return v;
  }
  throw std::logic_error("no reference loss variant");
}

std::vector<std::int32_t> random_labels(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<std::int32_t> dist(0, static_cast<std::int32_t>(cols - 1));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(rows));
  for (auto& l : labels) l = dist(gen);
  return labels;
}

double loss_ratio(double got, double want, double rel, double abs) {
  if (std::isnan(want)) return std::isnan(got) ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isinf(want)) return got == want ? 0.0 : std::numeric_limits<double>::infinity();
  return std::fabs(got - want) / std::max(rel * std::fabs(want), abs);
}

class LossVariantTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!cpu_supports(variant().info.isa)) GTEST_SKIP() << "this CPU lacks " << isa_name(variant().info.isa);
  }
  const LossVariant& variant() const { return loss_variants()[GetParam()]; }

  // Cross-entropy of rows x cols logits (given densely) by the variant and the
  // reference; `alias` writes the gradient over the logits. Returns the worst ratio
  // of loss and gradient errors to their allowances.
  double compare_xent(const std::vector<float>& logits, const std::vector<std::int32_t>& labels, std::int64_t rows,
                      std::int64_t cols, float scale, bool with_grad, bool alias = false, std::int64_t pad = 0,
                      std::size_t offset = 0, int threads = 2) {
    const std::int64_t stride = cols + pad;
    const auto total = static_cast<std::size_t>(rows * stride);
    Buffer x(total, offset), g(total, offset), x_ref(total), g_ref(total);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy_n(logits.begin() + r * cols, cols, x.data() + r * stride);
      std::copy_n(logits.begin() + r * cols, cols, x_ref.data() + r * stride);
    }
    Context ctx(ContextOptions{.threads = threads});
    Context one(ContextOptions{.threads = 1});
    float* gp = !with_grad ? nullptr : alias ? x.data() : g.data();
    const double got = softmax_cross_entropy(variant(), ctx, ConstMatrixView{x.data(), rows, cols, stride}, labels,
                                             MatrixView{gp, rows, cols, stride}, scale);
    const double want = softmax_cross_entropy(reference_variant(), one, ConstMatrixView{x_ref.data(), rows, cols, stride},
                                              labels, MatrixView{with_grad ? g_ref.data() : nullptr, rows, cols, stride},
                                              scale);
    const std::string what = std::string(variant().info.name) + " " + std::to_string(rows) + "x" +
                             std::to_string(cols) + (with_grad ? " grad" : "") + (alias ? " in place" : "");
    double worst = loss_ratio(got, want, kRel, kAbs * static_cast<double>(std::max<std::int64_t>(rows, 1)));
    EXPECT_LE(worst, 1.0) << what << ": loss " << got << " want " << want;
    if (!with_grad) return worst;
    const float* out = alias ? x.data() : g.data();
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < cols; ++c) {
        const auto i = static_cast<std::size_t>(r * stride + c);
        const double e = error_ratio(out[i], g_ref[i], kRel, kAbs * std::fabs(scale));
        worst = std::max(worst, e);
        if (e > 1.0) {
          ADD_FAILURE() << what << " gradient at (" << r << "," << c << ") logit " << logits[static_cast<std::size_t>(r * cols + c)]
                        << ": got " << out[i] << " want " << g_ref[i];
          return worst;
        }
      }
    }
    EXPECT_TRUE(g.guard_intact() && x.guard_intact()) << what << ": wrote past the end";
    return worst;
  }
};

TEST_P(LossVariantTest, CrossEntropyMatchesReferenceOnEdgeWidths) {
  for (std::size_t cols : widths()) {
    const std::int64_t rows = cols > 100000 ? 2 : 5;
    const auto c = static_cast<std::int64_t>(cols);
    const std::vector<float> logits =
        testing::random_floats(static_cast<std::size_t>(rows * c), static_cast<std::uint32_t>(cols), -15.0f, 15.0f);
    const std::vector<std::int32_t> labels = random_labels(rows, c, static_cast<std::uint32_t>(cols));
    for (bool grad : {false, true}) {
      for (std::size_t offset : {0, 1}) {
        compare_xent(logits, labels, rows, c, 1.0f / static_cast<float>(rows), grad, false, 3, offset);
      }
    }
    compare_xent(logits, labels, rows, c, 0.37f, true, /*alias=*/true);
    if (HasFailure()) return;
  }
}

// Rows whose label is (nearly) certain: the loss is log(1 + tiny) and only a sum in
// double keeps its relative accuracy. Also random rows of many spreads; the worst
// error is printed as "[ measured ]".
TEST_P(LossVariantTest, CrossEntropyAccuracyFromConfidentToHopeless) {
  std::mt19937 gen(99);
  double worst = 0.0;
  for (float margin : {0.0f, 2.0f, 8.0f, 14.0f, 20.0f, 40.0f, -10.0f}) {
    for (std::int64_t cols : {2, 10, 16, 100, 1000}) {
      const std::int64_t rows = 1;
      std::vector<float> logits = testing::random_floats(static_cast<std::size_t>(cols), gen(), -1.0f, 1.0f);
      const auto label = static_cast<std::int32_t>(gen() % static_cast<std::uint32_t>(cols));
      logits[static_cast<std::size_t>(label)] += margin;
      worst = std::max(worst, compare_xent(logits, {label}, rows, cols, 1.0f, true));
      if (HasFailure()) return;
    }
  }
  for (float spread : {0.1f, 1.0f, 5.0f, 30.0f}) {
    const std::int64_t rows = 50, cols = 1 + static_cast<std::int64_t>(gen() % 700);
    std::normal_distribution<float> dist(0.0f, spread);
    std::vector<float> logits(static_cast<std::size_t>(rows * cols));
    for (float& v : logits) v = dist(gen);
    worst = std::max(worst, compare_xent(logits, random_labels(rows, cols, gen()), rows, cols, 0.02f, true));
    if (HasFailure()) return;
  }
  std::cout << "[ measured ] " << variant().info.name << " softmax_cross_entropy worst error " << worst
            << " of the allowance (1e-6 rel / 1e-7 abs)\n";
}

// Every width from 1 to 17 (the transposed-block path and just past it), 100 rows,
// logits from nearly uniform to nearly one-hot, labels anywhere.
TEST_P(LossVariantTest, CrossEntropyNarrowRowsSweep) {
  std::mt19937 gen(4711);
  double worst = 0.0;
  for (std::int64_t cols = 1; cols <= 17; ++cols) {
    for (float spread : {0.01f, 1.0f, 6.0f, 25.0f}) {
      const std::int64_t rows = 100;
      std::normal_distribution<float> dist(0.0f, spread);
      std::vector<float> logits(static_cast<std::size_t>(rows * cols));
      for (float& v : logits) v = dist(gen);
      const std::vector<std::int32_t> labels = random_labels(rows, cols, gen());
      worst = std::max(worst, compare_xent(logits, labels, rows, cols, 1.0f / rows, true, false, cols % 2, 1));
      worst = std::max(worst, compare_xent(logits, labels, rows, cols, 1.0f, true, /*alias=*/true));
      if (HasFailure()) return;
    }
  }
  std::cout << "[ measured ] " << variant().info.name << " softmax_cross_entropy narrow rows worst error " << worst
            << " of the allowance (1e-6 rel / 1e-7 abs)\n";
}

TEST_P(LossVariantTest, CrossEntropyAwkwardRows) {
  struct Row {
    const char* what;
    std::vector<float> x;
    std::int32_t label;
  };
  const std::vector<Row> rows = {
      {"equal values", std::vector<float>(10, 2.0f), 3},
      {"huge magnitudes", {3.0e38f, -3.0e38f, 3.0e38f, 1.0f}, 0},
      {"label on a -inf entry", {1.0f, -kInf, 2.0f}, 1},
      {"-inf elsewhere", {1.0f, -kInf, 2.0f}, 2},
      {"a NaN", {1.0f, kNaN, 2.0f}, 0},
      {"all -inf", {-kInf, -kInf, -kInf}, 0},
      {"label on +inf", {kInf, 0.0f, kInf}, 0},
      {"+inf elsewhere", {kInf, 0.0f, kInf}, 1},
  };
  for (const Row& row : rows) {
    for (std::int64_t width : {static_cast<std::int64_t>(row.x.size()), std::int64_t{100}}) {
      std::vector<float> in(static_cast<std::size_t>(width), -kInf);
      std::copy(row.x.begin(), row.x.end(), in.begin());
      SCOPED_TRACE(std::string(row.what) + " width " + std::to_string(width));
      compare_xent(in, {row.label}, 1, width, 1.0f, true);
    }
  }
  // The same rows among ordinary ones (row 3k + 1 of 40), so that narrow rows meet
  // them inside whole blocks of 8 or 16 rows, which have their own load/store path.
  for (std::int64_t width : {4, 8, 10, 16}) {
    const std::int64_t count = 40;
    std::vector<float> in = testing::random_floats(static_cast<std::size_t>(count * width), 32, -4.0f, 4.0f);
    std::vector<std::int32_t> labels = random_labels(count, width, 33);
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto r = static_cast<std::int64_t>(3 * k + 1);
      for (std::int64_t c = 0; c < width; ++c) {
        const auto u = static_cast<std::size_t>(c);
        in[static_cast<std::size_t>(r * width + c)] = u < rows[k].x.size() ? rows[k].x[u] : -kInf;
      }
      labels[static_cast<std::size_t>(r)] = rows[k].label;
    }
    SCOPED_TRACE("awkward rows among 40, width " + std::to_string(width));
    compare_xent(in, labels, count, width, 1.0f / static_cast<float>(count), true);
  }
  Context ctx(ContextOptions{.threads = 1});
  auto loss = [&](std::vector<float> x, std::int32_t label) {
    return softmax_cross_entropy(variant(), ctx, dense(x.data(), 1, static_cast<std::int64_t>(x.size())), {&label, 1},
                                 MatrixView{}, 1.0f);
  };
  EXPECT_NEAR(loss(std::vector<float>(10, 2.0f), 3), std::log(10.0), 1e-6);
  EXPECT_EQ(loss({1.0f, -kInf, 2.0f}, 1), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(loss({1.0f, kNaN}, 0)));
  EXPECT_TRUE(std::isnan(loss({-kInf, -kInf}, 0)));
  EXPECT_NEAR(loss({kInf, 0.0f, kInf}, 2), std::log(2.0), 1e-12);
}

// A NaN row makes the total NaN and its own gradient row NaN; other rows' gradients
// are exactly what they are without it.
TEST_P(LossVariantTest, CrossEntropyNanStaysInItsRow) {
  Context ctx(ContextOptions{.threads = 2});
  for (std::int64_t cols : {5, 16, 300}) {
    for (std::int64_t rows : {9, 40}) {  // 40: the NaN row inside a whole block of narrow rows
      std::vector<float> clean = testing::random_floats(static_cast<std::size_t>(rows * cols), 5, -5.0f, 5.0f);
      std::vector<float> dirty = clean;
      dirty[static_cast<std::size_t>(2 * cols)] = kNaN;
      const std::vector<std::int32_t> labels = random_labels(rows, cols, 6);
      std::vector<float> ga(clean.size()), gb(clean.size());
      softmax_cross_entropy(variant(), ctx, dense(clean.data(), rows, cols), labels, dense(ga.data(), rows, cols), 0.5f);
      const double l = softmax_cross_entropy(variant(), ctx, dense(dirty.data(), rows, cols), labels,
                                             dense(gb.data(), rows, cols), 0.5f);
      EXPECT_TRUE(std::isnan(l));
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
          const auto i = static_cast<std::size_t>(r * cols + c);
          if (r == 2) EXPECT_TRUE(std::isnan(gb[i]));
          else EXPECT_TRUE(same_float(ga[i], gb[i])) << "row " << r;
        }
      }
    }
  }
}

// The gradient against central differences of the loss itself (grad_scale = 1, so the
// gradient is that of the sum): h = 1/128; the loss is accurate to ~1e-7 relative, so
// the difference quotient carries ~2e-5 of rounding and ~h^2/6 |L'''| < 2e-5 of
// truncation; 2e-4 separates right from wrong by orders of magnitude.
TEST_P(LossVariantTest, CrossEntropyGradientMatchesFiniteDifferences) {
  Context ctx(ContextOptions{.threads = 1});
  constexpr float h = 1.0f / 128.0f;
  for (std::int64_t cols : {7, 40}) {
    const std::int64_t rows = 3;
    std::vector<float> x = testing::random_floats(static_cast<std::size_t>(rows * cols), 21, -3.0f, 3.0f);
    for (float& v : x) v = std::round(v * 1024.0f) / 1024.0f;  // x +- h exact
    const std::vector<std::int32_t> labels = random_labels(rows, cols, 22);
    std::vector<float> g(x.size());
    softmax_cross_entropy(variant(), ctx, dense(x.data(), rows, cols), labels, dense(g.data(), rows, cols), 1.0f);
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::vector<float> xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      const double lp = softmax_cross_entropy(variant(), ctx, dense(xp.data(), rows, cols), labels, MatrixView{}, 1.0f);
      const double lm = softmax_cross_entropy(variant(), ctx, dense(xm.data(), rows, cols), labels, MatrixView{}, 1.0f);
      EXPECT_NEAR(g[i], (lp - lm) / (2.0 * h), 2e-4) << "cols " << cols << " element " << i;
    }
  }
}

TEST_P(LossVariantTest, MeanIsTheSumOverRowsWithGradientOverRows) {
  Context ctx(ContextOptions{.threads = 1});
  const std::int64_t rows = 8, cols = 10;
  std::vector<float> x = testing::random_floats(static_cast<std::size_t>(rows * cols), 31, -4.0f, 4.0f);
  const std::vector<std::int32_t> labels = random_labels(rows, cols, 32);
  std::vector<float> g_mean(x.size()), g_sum(x.size());
  const double sum = softmax_cross_entropy(variant(), ctx, dense(x.data(), rows, cols), labels,
                                           dense(g_sum.data(), rows, cols), 1.0f / rows);
  ctx.select(KernelFamily::loss, variant().info.name);
  const double mean = softmax_cross_entropy_mean(ctx, dense(x.data(), rows, cols), labels, dense(g_mean.data(), rows, cols));
  EXPECT_DOUBLE_EQ(mean, sum / rows);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same_float(g_mean[i], g_sum[i]));
}

// ---- squared error -------------------------------------------------------------------

TEST_P(LossVariantTest, SquaredErrorMatchesReference) {
  Context ctx(ContextOptions{.threads = 2});
  Context one(ContextOptions{.threads = 1});
  for (std::size_t cols : widths()) {
    const std::int64_t rows = cols > 100000 ? 2 : 5;
    const auto c = static_cast<std::int64_t>(cols);
    const std::int64_t stride = c + 2;
    const auto total = static_cast<std::size_t>(rows * stride);
    for (bool grad : {false, true}) {
      Buffer p(total, 1), t(total, 1), g(total, 1), g_ref(total);
      const std::vector<float> pv = testing::random_floats(total, static_cast<std::uint32_t>(cols), -3.0f, 3.0f);
      const std::vector<float> tv = testing::random_floats(total, static_cast<std::uint32_t>(cols + 1), -3.0f, 3.0f);
      std::copy(pv.begin(), pv.end(), p.data());
      std::copy(tv.begin(), tv.end(), t.data());
      const float scale = 1.0f / static_cast<float>(rows * c);
      const double got = squared_error(variant(), ctx, ConstMatrixView{p.data(), rows, c, stride},
                                       ConstMatrixView{t.data(), rows, c, stride},
                                       MatrixView{grad ? g.data() : nullptr, rows, c, stride}, scale);
      const double want = squared_error(reference_variant(), one, ConstMatrixView{p.data(), rows, c, stride},
                                        ConstMatrixView{t.data(), rows, c, stride},
                                        MatrixView{grad ? g_ref.data() : nullptr, rows, c, stride}, scale);
      // Each square is formed from the float difference: 2 u relative per term at most.
      EXPECT_NEAR(got, want, 3e-7 * want) << variant().info.name << " " << rows << "x" << cols;
      if (!grad) continue;
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t j = 0; j < c; ++j) {
          const auto i = static_cast<std::size_t>(r * stride + j);
          ASSERT_LE(error_ratio(g[i], g_ref[i], 3e-7, 1e-30), 1.0) << rows << "x" << cols << " at " << i;
        }
      }
      ASSERT_TRUE(g.guard_intact());
    }
  }
}

TEST_P(LossVariantTest, SquaredErrorGradientInPlaceAndByFiniteDifferences) {
  Context ctx(ContextOptions{.threads = 1});
  const std::int64_t rows = 4, cols = 19;
  std::vector<float> p = testing::random_floats(static_cast<std::size_t>(rows * cols), 41, -2.0f, 2.0f);
  std::vector<float> t = testing::random_floats(p.size(), 42, -2.0f, 2.0f);
  std::vector<float> g(p.size());
  squared_error(variant(), ctx, dense(p.data(), rows, cols), dense(t.data(), rows, cols), dense(g.data(), rows, cols),
                1.0f);
  constexpr float h = 1.0f / 256.0f;
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::vector<float> pp = p, pm = p;
    pp[i] += h;
    pm[i] -= h;
    const double lp = squared_error(variant(), ctx, dense(pp.data(), rows, cols), dense(t.data(), rows, cols), MatrixView{}, 1.0f);
    const double lm = squared_error(variant(), ctx, dense(pm.data(), rows, cols), dense(t.data(), rows, cols), MatrixView{}, 1.0f);
    EXPECT_NEAR(g[i], (lp - lm) / (static_cast<double>(pp[i]) - pm[i]), 1e-4) << "element " << i;
  }
  std::vector<float> in_place = p;
  squared_error(variant(), ctx, dense(in_place.data(), rows, cols), dense(t.data(), rows, cols),
                dense(in_place.data(), rows, cols), 1.0f);
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(same_float(in_place[i], g[i]));
}

// The losses are sums: their order is fixed by the shape, so the total (and the
// gradient) is bit-identical for any thread count.
TEST_P(LossVariantTest, BitIdenticalForThreads1_2_3_7) {
  struct Shape {
    std::int64_t rows, cols;
  };
  const std::int64_t k = testing::small_scale() ? 10 : 1;
  for (const Shape s : {Shape{128, 10}, Shape{3000 / k, 1000}, Shape{100003 / k, 10}, Shape{2, 100003 / k},
                        Shape{3, 40000}}) {
    const std::vector<float> x = testing::random_floats(static_cast<std::size_t>(s.rows * s.cols), 51, -9.0f, 9.0f);
    const std::vector<float> t = testing::random_floats(x.size(), 52, -9.0f, 9.0f);
    const std::vector<std::int32_t> labels = random_labels(s.rows, s.cols, 53);
    auto run_all = [&](int threads, std::vector<float>& g1, std::vector<float>& g2) {
      Context ctx(ContextOptions{.threads = threads});
      g1.assign(x.size(), 0.0f);
      g2.assign(x.size(), 0.0f);
      const double a = softmax_cross_entropy(variant(), ctx, dense(x.data(), s.rows, s.cols), labels,
                                             dense(g1.data(), s.rows, s.cols), 1.0f / s.rows);
      const double b = squared_error(variant(), ctx, dense(x.data(), s.rows, s.cols), dense(t.data(), s.rows, s.cols),
                                     dense(g2.data(), s.rows, s.cols), 0.001f);
      const double c = softmax_cross_entropy(variant(), ctx, dense(x.data(), s.rows, s.cols), labels, MatrixView{}, 1.0f);
      return std::vector<double>{a, b, c};
    };
    std::vector<float> g1, g2, h1, h2;
    const std::vector<double> base = run_all(1, g1, g2);
    for (int threads : {2, 3, 7}) {
      const std::vector<double> other = run_all(threads, h1, h2);
      const std::string what = std::string(variant().info.name) + " " + std::to_string(s.rows) + "x" +
                               std::to_string(s.cols) + " threads=" + std::to_string(threads);
      ASSERT_EQ(std::memcmp(base.data(), other.data(), base.size() * sizeof(double)), 0) << what;
      ASSERT_EQ(std::memcmp(g1.data(), h1.data(), g1.size() * sizeof(float)), 0) << what;
      ASSERT_EQ(std::memcmp(g2.data(), h2.data(), g2.size() * sizeof(float)), 0) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, LossVariantTest, ::testing::Range<std::size_t>(0, loss_variants().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return std::string(loss_variants()[param.param].info.name);
                         });

// ---- argument checks (the same in every build type) ----------------------------------

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(LossArguments, LabelsOutOfRangeNameTheRowAndValue) {
  Context ctx(ContextOptions{.threads = 1});
  std::vector<float> x(40, 0.0f), g(40);
  std::vector<std::int32_t> labels = {0, 9, 3, 10};
  const std::string e = error_of([&] { softmax_cross_entropy(ctx, dense(x.data(), 4, 10), labels, MatrixView{}, 1.0f); });
  EXPECT_NE(e.find("label 10 at row 3"), std::string::npos) << e;
  labels[3] = -1;
  EXPECT_NE(error_of([&] { softmax_cross_entropy(ctx, dense(x.data(), 4, 10), labels, MatrixView{}, 1.0f); })
                .find("label -1 at row 3"),
            std::string::npos);
  labels[3] = 2;
  EXPECT_EQ(error_of([&] { softmax_cross_entropy(ctx, dense(x.data(), 4, 10), labels, dense(g.data(), 4, 10), 0.25f); }),
            "");
  // The 32-bit extremes, one bad row among many (the check runs several labels per
  // instruction: rows in the middle of a vector and in its tail).
  std::vector<float> wide(std::size_t{37} * 10, 0.0f);
  for (const std::int32_t bad : {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()}) {
    for (const std::size_t row : {std::size_t{0}, std::size_t{17}, std::size_t{36}}) {
      std::vector<std::int32_t> many(37, 9);
      many[row] = bad;
      const std::string msg =
          error_of([&] { softmax_cross_entropy(ctx, dense(wide.data(), 37, 10), many, MatrixView{}, 1.0f); });
      EXPECT_NE(msg.find("label " + std::to_string(bad) + " at row " + std::to_string(row) + " "), std::string::npos)
          << msg;
    }
  }
}

TEST(LossArguments, RejectBadShapesPointersAndAliasing) {
  Context ctx(ContextOptions{.threads = 1});
  std::vector<float> x(40, 0.0f), g(40), t(40);
  const std::vector<std::int32_t> labels = {0, 1, 2, 3};
  auto xent = [&](ConstMatrixView lv, std::span<const std::int32_t> lab, MatrixView gv, float scale) {
    return error_of([&] { softmax_cross_entropy(ctx, lv, lab, gv, scale); });
  };
  EXPECT_NE(xent(dense(x.data(), 4, 10), std::span(labels).first(3), MatrixView{}, 1.0f).find("3 entries"),
            std::string::npos);
  EXPECT_NE(xent(dense(x.data(), 4, 10), labels, dense(g.data(), 4, 9), 1.0f).find("4 x 9"), std::string::npos);
  EXPECT_NE(xent(dense(x.data(), 4, 10), labels, dense(x.data() + 1, 4, 10), 1.0f).find("overlaps logits"),
            std::string::npos);
  EXPECT_EQ(xent(dense(x.data(), 4, 10), labels, dense(x.data(), 4, 10), 1.0f), "");  // in place
  EXPECT_NE(xent(ConstMatrixView{nullptr, 4, 10, 10}, labels, MatrixView{}, 1.0f).find("logits is null"),
            std::string::npos);
  EXPECT_NE(xent(ConstMatrixView{x.data(), 4, 10, 9}, labels, MatrixView{}, 1.0f).find("stride 9"), std::string::npos);
  EXPECT_NE(xent(dense(x.data(), 4, 10), labels, dense(g.data(), 4, 10), kInf).find("inf"), std::string::npos);
  EXPECT_NE(xent(dense(x.data(), 4, 10), std::span<const std::int32_t>(static_cast<const std::int32_t*>(nullptr), 4),
                 MatrixView{}, 1.0f)
                .find("labels is null"),
            std::string::npos);
  EXPECT_EQ(xent(ConstMatrixView{}, {}, MatrixView{}, 1.0f), "");

  auto mse = [&](ConstMatrixView p, ConstMatrixView tv, MatrixView gv, float scale) {
    return error_of([&] { squared_error(ctx, p, tv, gv, scale); });
  };
  EXPECT_EQ(mse(dense(x.data(), 4, 10), dense(t.data(), 4, 10), dense(g.data(), 4, 10), 0.1f), "");
  EXPECT_NE(mse(dense(x.data(), 4, 10), dense(t.data(), 5, 8), MatrixView{}, 1.0f).find("5 x 8"), std::string::npos);
  EXPECT_NE(mse(dense(x.data(), 4, 10), dense(t.data(), 4, 10), dense(g.data(), 2, 10), 1.0f).find("2 x 10"),
            std::string::npos);
  EXPECT_NE(mse(dense(x.data(), 4, 10), dense(t.data(), 4, 10), dense(t.data() + 3, 4, 10), 1.0f).find("overlaps target"),
            std::string::npos);
  EXPECT_EQ(mse(dense(x.data(), 4, 10), dense(t.data(), 4, 10), dense(t.data(), 4, 10), 1.0f), "");
  EXPECT_NE(mse(dense(x.data(), 4, 10), dense(t.data(), 4, 10), dense(g.data(), 4, 10), kNaN).find("nan"),
            std::string::npos);
}

}  // namespace
}  // namespace trenchcoat
