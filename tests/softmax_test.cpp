// Every registered softmax variant (softmax and log-softmax) against the
// double-precision reference: the textbook example, edge widths, unaligned and
// strided views, in place, a dense accuracy sweep, the awkward rows softmax.hpp
// documents (equal values, huge and tiny magnitudes, -inf, NaN isolation, all -inf,
// +inf), bit-identity across thread counts, and the argument checks.

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
#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat {
namespace {

using testing::Buffer;
using testing::error_ratio;
using testing::same_float;
using testing::WorstError;


// The bar of issue 3: 1e-6 relative, or 1e-7 absolute near 0.
constexpr double kRel = 1e-6;
constexpr double kAbs = 1e-7;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

const SoftmaxVariant& reference_variant() {
  for (const auto& v : softmax_variants()) {
    if (v.info.reference) return v;
  }
  throw std::logic_error("no reference softmax variant");
}

void run(const SoftmaxVariant& v, Context& ctx, bool log, ConstMatrixView x, MatrixView y) {
  if (log) log_softmax(v, ctx, x, y);
  else softmax(v, ctx, x, y);
}

const char* op_name(bool log) { return log ? "log_softmax" : "softmax"; }

class SoftmaxVariantTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!cpu_supports(variant().info.isa)) GTEST_SKIP() << "this CPU lacks " << isa_name(variant().info.isa);
  }
  const SoftmaxVariant& variant() const { return softmax_variants()[GetParam()]; }

  // Runs the variant and the reference on the same rows x cols input (given row by
  // row, `cols` floats each) and compares every element; returns the worst ratio.
  double compare(bool log, const std::vector<float>& input, std::int64_t rows, std::int64_t cols,
                 std::int64_t pad = 0, std::size_t offset = 0, int threads = 2) {
    const std::int64_t stride = cols + pad;
    const auto total = static_cast<std::size_t>(rows * stride);
    Buffer x(total, offset), y(total, offset), want(total);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy_n(input.begin() + r * cols, cols, x.data() + r * stride);
    }
    Context ctx(ContextOptions{.threads = threads});
    Context one(ContextOptions{.threads = 1});
    run(variant(), ctx, log, ConstMatrixView{x.data(), rows, cols, stride}, MatrixView{y.data(), rows, cols, stride});
    run(reference_variant(), one, log, ConstMatrixView{x.data(), rows, cols, stride},
        MatrixView{want.data(), rows, cols, stride});
    double worst = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < cols; ++c) {
        const auto i = static_cast<std::size_t>(r * stride + c);
        const double e = error_ratio(y[i], want[i], kRel, kAbs);
        worst = std::max(worst, e);
        EXPECT_LE(e, 1.0) << variant().info.name << " " << op_name(log) << " " << rows << "x" << cols << " at (" << r
                          << "," << c << ") x=" << x[i] << ": got " << y[i] << " want " << want[i];
        if (e > 1.0) return worst;
      }
    }
    EXPECT_TRUE(y.guard_intact()) << "wrote past the end";
    return worst;
  }
};

// softmax([2, 1, 0.1]) = [0.659, 0.242, 0.099], summing to 1.
TEST_P(SoftmaxVariantTest, TextbookExample) {
  Context ctx(ContextOptions{.threads = 1});
  const float x[3] = {2.0f, 1.0f, 0.1f};
  float p[3], lp[3];
  softmax(variant(), ctx, dense(x, 1, 3), dense(p, 1, 3));
  log_softmax(variant(), ctx, dense(x, 1, 3), dense(lp, 1, 3));
  EXPECT_NEAR(p[0], 0.659001, 1e-6);
  EXPECT_NEAR(p[1], 0.242433, 1e-6);
  EXPECT_NEAR(p[2], 0.098566, 1e-6);
  EXPECT_NEAR(static_cast<double>(p[0]) + p[1] + p[2], 1.0, 1e-6);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(std::exp(lp[j]), p[j], 1e-6);
}

TEST_P(SoftmaxVariantTest, MatchesReferenceOnEdgeWidthsStridedAndUnaligned) {
  for (bool log : {false, true}) {
    for (std::size_t cols : testing::edge_sizes()) {
      const std::int64_t rows = cols > 100000 ? 2 : 3;
      const std::vector<float> in =
          testing::random_floats(static_cast<std::size_t>(rows) * cols, static_cast<std::uint32_t>(cols), -20.0f, 20.0f);
      for (std::int64_t pad : {0, 5}) {
        for (std::size_t offset : {0, 1}) {
          compare(log, in, rows, static_cast<std::int64_t>(cols), pad, offset);
          if (HasFailure()) return;
        }
      }
    }
  }
}

TEST_P(SoftmaxVariantTest, InPlaceEqualsOutOfPlace) {
  Context ctx(ContextOptions{.threads = 2});
  for (bool log : {false, true}) {
    for (std::int64_t cols : {10, 16, 1000}) {
      const std::int64_t rows = 37;
      std::vector<float> x = testing::random_floats(static_cast<std::size_t>(rows * cols), 3, -8.0f, 8.0f);
      std::vector<float> y(x.size());
      run(variant(), ctx, log, dense(x.data(), rows, cols), dense(y.data(), rows, cols));
      run(variant(), ctx, log, dense(x.data(), rows, cols), dense(x.data(), rows, cols));
      for (std::size_t i = 0; i < x.size(); ++i) ASSERT_TRUE(same_float(x[i], y[i])) << op_name(log) << " i=" << i;
    }
  }
}

// Random rows of random widths and spreads (logits from N(0, s) for s from 0.01 to
// 50): the worst error against the reference, as a fraction of the 1e-6 rel / 1e-7
// abs allowance, is printed as "[ measured ]".
TEST_P(SoftmaxVariantTest, DenseSweepOfWidthsAndSpreads) {
  std::mt19937 gen(4242);
  std::uniform_int_distribution<int> width(1, 1200);
  for (bool log : {false, true}) {
    double worst = 0.0;
    for (float spread : {0.01f, 0.3f, 1.0f, 4.0f, 15.0f, 50.0f}) {
      for (int trial = 0; trial < 12; ++trial) {
        const std::int64_t cols = width(gen), rows = 7;
        std::normal_distribution<float> dist(0.0f, spread);
        std::vector<float> in(static_cast<std::size_t>(rows * cols));
        for (float& v : in) v = dist(gen);
        worst = std::max(worst, compare(log, in, rows, cols));
        if (HasFailure()) return;
      }
    }
    std::cout << "[ measured ] " << variant().info.name << " " << op_name(log) << " worst error " << worst
              << " of the allowance (1e-6 rel / 1e-7 abs)\n";
  }
}

// Rows of at most one vector take the transposed-block path: every width from 1 to
// 17, 100 rows each (several blocks and a partial one), ties included (integers).
TEST_P(SoftmaxVariantTest, DenseSweepOfNarrowRows) {
  std::mt19937 gen(777);
  for (bool log : {false, true}) {
    double worst = 0.0;
    for (std::int64_t cols = 1; cols <= 17; ++cols) {
      for (float spread : {0.0f, 0.5f, 3.0f, 12.0f, 40.0f}) {
        const std::int64_t rows = 100;
        std::normal_distribution<float> dist(0.0f, spread);
        std::vector<float> in(static_cast<std::size_t>(rows * cols));
        for (float& v : in) v = spread == 0.0f ? static_cast<float>(gen() % 3) : dist(gen);
        worst = std::max(worst, compare(log, in, rows, cols, cols % 3, cols % 2));
        if (HasFailure()) return;
      }
    }
    std::cout << "[ measured ] " << variant().info.name << " " << op_name(log) << " narrow rows worst error " << worst
              << " of the allowance (1e-6 rel / 1e-7 abs)\n";
  }
}

// The documented results for awkward rows, each checked short (one vector) and long
// (padded to 100 columns with -inf, which take no probability) against the
// reference, plus the explicit values.
TEST_P(SoftmaxVariantTest, AwkwardRows) {
  struct Row {
    const char* what;
    std::vector<float> x;
  };
  const std::vector<Row> rows = {
      {"equal values", std::vector<float>(10, 3.5f)},
      {"huge magnitudes", {3.0e38f, -3.0e38f, 3.0e38f, 1.0f}},
      {"tiny magnitudes", {1e-30f, -1e-30f, 0.0f, 1e-37f}},
      {"-inf entries", {1.0f, -kInf, 2.0f, -kInf}},
      {"a NaN", {1.0f, kNaN, 2.0f}},
      {"all -inf", {-kInf, -kInf, -kInf}},
      {"+inf entries", {kInf, 1.0f, kInf, -kInf}},
      {"+inf and NaN", {kInf, kNaN, 0.0f}},
      {"one +inf", {-3.0f, kInf}},
      {"a single entry", {-7.0f}},
      {"spread beyond exp's range", {0.0f, -200.0f, -90.0f, -87.0f, -80.0f}},
  };
  for (bool log : {false, true}) {
    for (const Row& row : rows) {
      for (std::int64_t width : {static_cast<std::int64_t>(row.x.size()), std::int64_t{100}}) {
        std::vector<float> in(static_cast<std::size_t>(width), -kInf);
        std::copy(row.x.begin(), row.x.end(), in.begin());
        SCOPED_TRACE(std::string(row.what) + " width " + std::to_string(width));
        compare(log, in, 1, width);
      }
    }
  }
  // The same rows among ordinary ones, so that narrow rows meet them inside whole
  // blocks of rows (the blocks of 8 or 16 rows have their own load/store path), and
  // rows after them must come out unharmed.
  for (bool log : {false, true}) {
    for (std::int64_t width : {4, 8, 10, 16}) {
      const std::int64_t count = 40;
      std::vector<float> in = testing::random_floats(static_cast<std::size_t>(count * width), 31, -4.0f, 4.0f);
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto r = static_cast<std::int64_t>(3 * k + 1);
        for (std::int64_t c = 0; c < width; ++c) {
          const auto u = static_cast<std::size_t>(c);
          in[static_cast<std::size_t>(r * width + c)] = u < rows[k].x.size() ? rows[k].x[u] : -kInf;
        }
      }
      SCOPED_TRACE("awkward rows among 40, width " + std::to_string(width));
      compare(log, in, count, width);
    }
  }
  // The explicit values behind the comparisons.
  Context ctx(ContextOptions{.threads = 1});
  auto probs = [&](std::vector<float> x) {
    std::vector<float> p(x.size());
    softmax(variant(), ctx, dense(x.data(), 1, static_cast<std::int64_t>(x.size())),
            dense(p.data(), 1, static_cast<std::int64_t>(p.size())));
    return p;
  };
  for (float p : probs(std::vector<float>(10, 3.5f))) EXPECT_NEAR(p, 0.1f, 1e-7f);
  EXPECT_EQ(probs({1.0f, -kInf, 2.0f})[1], 0.0f);
  const std::vector<float> inf = probs({kInf, 1.0f, kInf});
  EXPECT_EQ(inf[0], 0.5f);
  EXPECT_EQ(inf[1], 0.0f);
  EXPECT_EQ(inf[2], 0.5f);
  for (float p : probs({-kInf, -kInf})) EXPECT_TRUE(std::isnan(p)) << "an all -inf row is NaN";
  const std::vector<float> huge = probs({3.0e38f, -3.0e38f, 3.0e38f});
  EXPECT_EQ(huge[0], 0.5f);
  EXPECT_EQ(huge[1], 0.0f);
}

// A NaN makes its own row NaN and leaves the others exactly as without it.
TEST_P(SoftmaxVariantTest, NanStaysInItsRow) {
  Context ctx(ContextOptions{.threads = 2});
  for (bool log : {false, true}) {
    for (std::int64_t cols : {5, 16, 300}) {
      for (std::int64_t rows : {9, 40}) {  // 40: the NaN row inside a whole block of narrow rows
        std::vector<float> clean = testing::random_floats(static_cast<std::size_t>(rows * cols), 77, -5.0f, 5.0f);
        std::vector<float> dirty = clean;
        dirty[static_cast<std::size_t>(4 * cols + cols / 2)] = kNaN;
        std::vector<float> a(clean.size()), b(clean.size());
        run(variant(), ctx, log, dense(clean.data(), rows, cols), dense(a.data(), rows, cols));
        run(variant(), ctx, log, dense(dirty.data(), rows, cols), dense(b.data(), rows, cols));
        for (std::int64_t r = 0; r < rows; ++r) {
          for (std::int64_t c = 0; c < cols; ++c) {
            const auto i = static_cast<std::size_t>(r * cols + c);
            if (r == 4) EXPECT_TRUE(std::isnan(b[i])) << op_name(log) << " cols " << cols << " col " << c;
            else EXPECT_TRUE(same_float(a[i], b[i])) << op_name(log) << " cols " << cols << " row " << r;
          }
        }
      }
    }
  }
}

// Rows are never split, so any thread count gives the same bits.
TEST_P(SoftmaxVariantTest, BitIdenticalForThreads1_2_3_7) {
  struct Shape {
    std::int64_t rows, cols;
  };
  for (bool log : {false, true}) {
    const std::int64_t k = testing::small_scale() ? 10 : 1;
    for (const Shape s : {Shape{128, 10}, Shape{5000 / k, 37}, Shape{2000 / k, 1000}, Shape{3, 100003 / k}}) {
      const std::vector<float> x = testing::random_floats(static_cast<std::size_t>(s.rows * s.cols), 9, -30.0f, 30.0f);
      std::vector<float> base(x.size());
      Context one(ContextOptions{.threads = 1});
      run(variant(), one, log, dense(x.data(), s.rows, s.cols), dense(base.data(), s.rows, s.cols));
      for (int threads : {2, 3, 7}) {
        std::vector<float> other(x.size());
        Context ctx(ContextOptions{.threads = threads});
        run(variant(), ctx, log, dense(x.data(), s.rows, s.cols), dense(other.data(), s.rows, s.cols));
        ASSERT_EQ(std::memcmp(base.data(), other.data(), base.size() * sizeof(float)), 0)
            << variant().info.name << " " << op_name(log) << " " << s.rows << "x" << s.cols << " threads=" << threads;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, SoftmaxVariantTest, ::testing::Range<std::size_t>(0, softmax_variants().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return std::string(softmax_variants()[param.param].info.name);
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

TEST(SoftmaxArguments, RejectBadInputsNamingTheValue) {
  Context ctx(ContextOptions{.threads = 1});
  std::vector<float> a(100, 0.0f), b(100, 0.0f);
  const ConstMatrixView x{a.data(), 4, 10, 10};
  EXPECT_EQ(error_of([&] { softmax(ctx, x, dense(b.data(), 4, 10)); }), "");
  EXPECT_NE(error_of([&] { softmax(ctx, x, dense(b.data(), 4, 9)); }).find("4 x 9"), std::string::npos);
  EXPECT_NE(error_of([&] { softmax(ctx, x, dense(b.data(), 3, 10)); }).find("3 x 10"), std::string::npos);
  EXPECT_NE(error_of([&] { log_softmax(ctx, ConstMatrixView{a.data(), 4, 10, 8}, dense(b.data(), 4, 10)); })
                .find("stride 8"),
            std::string::npos);
  EXPECT_NE(error_of([&] { softmax(ctx, ConstMatrixView{nullptr, 4, 10, 10}, dense(b.data(), 4, 10)); })
                .find("x is null"),
            std::string::npos);
  EXPECT_NE(error_of([&] { softmax(ctx, x, dense(a.data() + 5, 4, 10)); }).find("overlaps"), std::string::npos);
  // In place is allowed only as the very same view.
  EXPECT_EQ(error_of([&] { softmax(ctx, x, dense(a.data(), 4, 10)); }), "");
  EXPECT_NE(error_of([&] { softmax(ctx, ConstMatrixView{a.data(), 4, 10, 20}, MatrixView{a.data(), 4, 10, 10}); })
                .find("overlaps"),
            std::string::npos);
  EXPECT_NE(error_of([&] { softmax(ctx, ConstMatrixView{a.data(), -1, 10, 10}, dense(b.data(), -1, 10)); })
                .find("-1"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { softmax(ctx, ConstMatrixView{}, MatrixView{}); }), "");
}

}  // namespace
}  // namespace trenchcoat
