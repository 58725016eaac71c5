// Every registered GEMM variant against the double-precision reference, on edge
// shapes, all transpositions, alpha/beta cases, strided and unaligned views, and the
// fused epilogue; bit-identity across thread counts; and the argument checks.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/float_checks.hpp"
#include "support/random_fill.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat {
namespace {

const GemmVariant& reference_variant() {
  for (const auto& v : gemm_variants()) {
    if (v.info.reference) return v;
  }
  throw std::logic_error("no reference GEMM");
}

// One GEMM call to check: shapes, flags, padding of the leading dimensions and a
// misalignment offset for every operand.
struct GemmCase {
  std::int64_t m = 1, n = 1, k = 1;
  Trans ta = Trans::N, tb = Trans::N;
  float alpha = 1.0f, beta = 0.0f;
  std::int64_t pad = 0;     // extra floats per row (sub-matrix view)
  std::int64_t offset = 0;  // floats to shift each operand's start (unaligned)
  bool bias = false;
  EpilogueActivation act = EpilogueActivation::identity;
  bool nan_c = false;  // fill C with NaN (only meaningful with beta == 0)
  std::uint32_t seed = 1;

  std::string describe() const {
    return "m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) +
           " ta=" + (ta == Trans::N ? "N" : "T") + " tb=" + (tb == Trans::N ? "N" : "T") +
           " alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta) + " pad=" + std::to_string(pad) +
           " offset=" + std::to_string(offset) + (bias ? " bias" : "") +
           (act == EpilogueActivation::relu ? " relu" : "") + " seed=" + std::to_string(seed);
  }
};

struct Operands {
  std::vector<float> a, b, c, bias;
  GemmProblem p;
};

Operands make_operands(const GemmCase& t) {
  Operands o;
  const std::int64_t a_rows = t.ta == Trans::N ? t.m : t.k, a_cols = t.ta == Trans::N ? t.k : t.m;
  const std::int64_t b_rows = t.tb == Trans::N ? t.k : t.n, b_cols = t.tb == Trans::N ? t.n : t.k;
  const std::int64_t lda = std::max<std::int64_t>(1, a_cols + t.pad);
  const std::int64_t ldb = std::max<std::int64_t>(1, b_cols + t.pad);
  const std::int64_t ldc = std::max<std::int64_t>(1, t.n + t.pad);
  o.a = testing::random_floats(static_cast<std::size_t>(a_rows * lda + t.offset + 1), t.seed);
  o.b = testing::random_floats(static_cast<std::size_t>(b_rows * ldb + t.offset + 1), t.seed + 1);
  o.c = testing::random_floats(static_cast<std::size_t>(t.m * ldc + t.offset + 1), t.seed + 2);
  if (t.nan_c) std::fill(o.c.begin(), o.c.end(), std::numeric_limits<float>::quiet_NaN());
  o.bias = testing::random_floats(static_cast<std::size_t>(t.n + 1), t.seed + 3);
  o.p = GemmProblem{t.ta, t.tb, t.m, t.n, t.k, t.alpha, o.a.data() + t.offset, lda, o.b.data() + t.offset, ldb,
                    t.beta, o.c.data() + t.offset, ldc, GemmEpilogue{t.bias ? o.bias.data() : nullptr, t.act}};
  return o;
}

// Runs `variant` and the reference on the same case; every element must agree within
// the forward-error bound of a k-term dot product, (k + 4) * eps * (|alpha| sum |a||b|
// + |beta c| + |bias|) — scaled with k and with the magnitudes involved.
void expect_matches_reference(const GemmVariant& variant, Context& ctx, const GemmCase& t) {
  Operands got = make_operands(t);
  Operands want = make_operands(t);
  Operands mags = make_operands(t);
  for (auto* v : {&mags.a, &mags.b, &mags.c, &mags.bias}) {
    for (float& x : *v) x = std::isnan(x) ? 0.0f : std::fabs(x);
  }
  mags.p.alpha = std::fabs(t.alpha);
  mags.p.beta = std::fabs(t.beta);
  mags.p.epilogue.activation = EpilogueActivation::identity;
  Context one(ContextOptions{.threads = 1});
  gemm(variant, ctx, got.p);
  gemm(reference_variant(), one, want.p);
  gemm(reference_variant(), one, mags.p);
  const float eps = std::numeric_limits<float>::epsilon();
  const std::int64_t ldc = got.p.ldc;
  for (std::int64_t i = 0; i < t.m; ++i) {
    for (std::int64_t j = 0; j < t.n; ++j) {
      const float g = got.p.c[i * ldc + j], w = want.p.c[i * ldc + j];
      const float bound = static_cast<float>(t.k + 4) * eps * mags.p.c[i * ldc + j] + 1e-30f;
      ASSERT_FALSE(std::isnan(g)) << variant.info.name << " " << t.describe() << " at (" << i << "," << j << ")";
      ASSERT_LE(std::fabs(g - w), bound) << variant.info.name << " " << t.describe() << " at (" << i << "," << j
                                         << "): got " << g << " want " << w;
    }
    // Padding between rows of C is outside the matrix and must be untouched.
    for (std::int64_t j = t.n; j < ldc && i + 1 < t.m; ++j) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got.p.c[i * ldc + j]), std::bit_cast<std::uint32_t>(want.p.c[i * ldc + j]))
          << "wrote outside C at (" << i << "," << j << ") " << t.describe();
    }
  }
}

class GemmVariantTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!cpu_supports(variant().info.isa)) GTEST_SKIP() << "this CPU lacks " << isa_name(variant().info.isa);
  }
  const GemmVariant& variant() const { return gemm_variants()[GetParam()]; }
  // Edge sizes around this variant's tile: 1, tile - 1, tile, tile + 1, 2 * tile + 1.
  std::vector<std::int64_t> around(int tile) const {
    if (tile <= 0) return {1, 7, 16, 17};
    return {1, tile - 1 > 0 ? tile - 1 : 1, tile, tile + 1, 2 * tile + 1};
  }
};

TEST_P(GemmVariantTest, EdgeShapesAllTranspositions) {
  Context ctx(ContextOptions{.threads = 2});
  std::vector<std::int64_t> ms = around(variant().info.tile_m), ns = around(variant().info.tile_n);
  ms.push_back(0);
  ns.push_back(13);
  for (Trans ta : {Trans::N, Trans::T}) {
    for (Trans tb : {Trans::N, Trans::T}) {
      for (std::int64_t m : ms) {
        for (std::int64_t n : ns) {
          for (std::int64_t k : {1, 2, 17, 300}) {
            expect_matches_reference(variant(), ctx, GemmCase{.m = m, .n = n, .k = k, .ta = ta, .tb = tb});
          }
        }
      }
    }
  }
}

TEST_P(GemmVariantTest, PrimesTallSkinnyShortFatAndDeepK) {
  Context ctx(ContextOptions{.threads = 2});
  const GemmCase cases[] = {
      {.m = 97, .n = 89, .k = 83},   {.m = 1000, .n = 3, .k = 17},   {.m = 3, .n = 1000, .k = 17},
      {.m = 1, .n = 517, .k = 301},  {.m = 517, .n = 1, .k = 301},   {.m = 1, .n = 1, .k = 4099},
      {.m = 37, .n = 41, .k = 4103}, {.m = 2, .n = 2, .k = 5000},    {.m = 129, .n = 131, .k = 1},
      {.m = 1, .n = 300, .k = 70, .ta = Trans::T, .tb = Trans::T},
      {.m = 300, .n = 1, .k = 70, .ta = Trans::T, .tb = Trans::T},
  };
  for (const GemmCase& t : cases) expect_matches_reference(variant(), ctx, t);
}

// More than one cache block in every dimension (MC, KC, NC of every kernel set: at
// most 144, 512 and 2048), so the block loops and the packing buffers' sizes are
// exercised at their edges. One thread: two would split the 2100 columns into
// rectangles narrower than NC.
TEST_P(GemmVariantTest, SeveralCacheBlocksInEveryDimension) {
  Context ctx(ContextOptions{.threads = 1});
  expect_matches_reference(variant(), ctx, GemmCase{.m = 290, .n = 2100, .k = 530, .beta = 0.5f, .bias = true});
  expect_matches_reference(variant(), ctx, GemmCase{.m = 37, .n = 4200, .k = 70, .ta = Trans::T, .tb = Trans::T});
}

TEST_P(GemmVariantTest, MlpTrainingShapes) {
  Context ctx(ContextOptions{.threads = 2});
  // 784-128-10 at batch 128: forward (NN), weight gradients (TN), input gradient (NT).
  const GemmCase cases[] = {
      {.m = 128, .n = 128, .k = 784, .bias = true, .act = EpilogueActivation::relu},
      {.m = 128, .n = 10, .k = 128, .bias = true},
      {.m = 784, .n = 128, .k = 128, .ta = Trans::T},
      {.m = 128, .n = 10, .k = 128, .ta = Trans::T},
      {.m = 128, .n = 128, .k = 10, .tb = Trans::T},
      // 784-512-512-10 at batch 256.
      {.m = 256, .n = 512, .k = 784, .bias = true, .act = EpilogueActivation::relu},
      {.m = 512, .n = 512, .k = 256, .ta = Trans::T},
      {.m = 256, .n = 512, .k = 512, .tb = Trans::T},
  };
  for (const GemmCase& t : cases) expect_matches_reference(variant(), ctx, t);
}

TEST_P(GemmVariantTest, AlphaBetaCases) {
  Context ctx(ContextOptions{.threads = 2});
  for (float alpha : {1.0f, -2.5f, 0.0f}) {
    for (float beta : {0.0f, 1.0f, 0.5f, -1.0f}) {
      expect_matches_reference(variant(), ctx, GemmCase{.m = 45, .n = 70, .k = 33, .alpha = alpha, .beta = beta});
      expect_matches_reference(variant(), ctx, GemmCase{.m = 1, .n = 70, .k = 33, .alpha = alpha, .beta = beta});
    }
  }
  // k == 0: C = beta * C (+ bias, activation).
  expect_matches_reference(variant(), ctx, GemmCase{.m = 20, .n = 20, .k = 0, .beta = 0.5f, .bias = true});
}

TEST_P(GemmVariantTest, BetaZeroNeverReadsC) {
  Context ctx(ContextOptions{.threads = 2});
  for (std::int64_t m : {1, 5, 64, 130}) {
    for (std::int64_t n : {1, 7, 33, 100}) {
      expect_matches_reference(variant(), ctx, GemmCase{.m = m, .n = n, .k = 19, .nan_c = true});
    }
  }
  expect_matches_reference(variant(), ctx, GemmCase{.m = 9, .n = 9, .k = 0, .nan_c = true});
  expect_matches_reference(variant(), ctx, GemmCase{.m = 9, .n = 9, .k = 9, .alpha = 0.0f, .nan_c = true});
}

TEST_P(GemmVariantTest, StridedAndUnalignedViewsWithEpilogue) {
  Context ctx(ContextOptions{.threads = 2});
  for (Trans ta : {Trans::N, Trans::T}) {
    for (Trans tb : {Trans::N, Trans::T}) {
      for (auto act : {EpilogueActivation::identity, EpilogueActivation::relu}) {
        expect_matches_reference(variant(), ctx,
                                 GemmCase{.m = 67, .n = 53, .k = 71, .ta = ta, .tb = tb, .beta = 0.75f, .pad = 5,
                                          .offset = 1, .bias = true, .act = act});
      }
    }
  }
}

TEST_P(GemmVariantTest, SeededRandomShapes) {
  Context ctx(ContextOptions{.threads = 2});
  std::mt19937 gen(20261127);
  std::uniform_int_distribution<int> dim(1, 200);
  for (int i = 0; i < 24; ++i) {
    GemmCase t{.m = dim(gen), .n = dim(gen), .k = dim(gen)};
    t.ta = gen() % 2 ? Trans::T : Trans::N;
    t.tb = gen() % 2 ? Trans::T : Trans::N;
    t.beta = gen() % 2 ? 0.0f : 0.3f;
    t.pad = gen() % 3;
    t.offset = gen() % 2;
    t.bias = gen() % 2;
    t.seed = static_cast<std::uint32_t>(i + 100);
    expect_matches_reference(variant(), ctx, t);
  }
}

// The avx2 variant picks its tile by shape (4 x 24 when m, n and k are all >= 512,
// 6 x 16 below), and threads cut a problem into rectangles; neither may change what
// an element is. 515 x 539 x 600 ends in partial tiles of both shapes in both
// directions; it is checked against the reference, then recomputed as column strips
// too narrow for the large-problem tile, whose bits must be the same.
TEST_P(GemmVariantTest, EveryElementIsTheSameSumWhateverProblemItIsPartOf) {
  const GemmCase t{.m = 515, .n = 539, .k = 600, .beta = 0.5f, .bias = true, .act = EpilogueActivation::relu};
  Context one(ContextOptions{.threads = 1});
  expect_matches_reference(variant(), one, t);
  Operands whole = make_operands(t);
  gemm(variant(), one, whole.p);
  Operands strips = make_operands(t);
  constexpr std::int64_t kStrip = 180;
  for (std::int64_t j0 = 0; j0 < t.n; j0 += kStrip) {
    GemmProblem p = strips.p;
    p.n = std::min(kStrip, t.n - j0);
    p.b += j0;
    p.c += j0;
    p.epilogue.bias += j0;
    gemm(variant(), one, p);
  }
  ASSERT_EQ(std::memcmp(whole.c.data(), strips.c.data(), whole.c.size() * sizeof(float)), 0) << variant().info.name;
}

// Threads split m x n, never k: any thread count gives the same bits.
TEST_P(GemmVariantTest, BitIdenticalForAnyThreadCount) {
  const GemmCase cases[] = {
      {.m = 300, .n = 200, .k = 150, .beta = 0.5f, .bias = true, .act = EpilogueActivation::relu},
      {.m = 257, .n = 263, .k = 600, .ta = Trans::T, .tb = Trans::T},
      {.m = 1, .n = 70000, .k = 17},
      {.m = 5000, .n = 1, .k = 100},
      // Three depth blocks with a shorter last one; columns past one NC block. Fewer
      // rows under TRENCHCOAT_TEST_SCALE=small: ThreadSanitizer's cost grows with the
      // stores to C, and the full 2100 x 2050 took the blocked variant over 7 minutes.
      {.m = testing::small_scale() ? 40 : 300, .n = 100, .k = 1030, .tb = Trans::T},
      {.m = testing::small_scale() ? 40 : 2100, .n = 2050, .k = testing::small_scale() ? 30 : 3},
  };
  for (const GemmCase& t : cases) {
    Operands first = make_operands(t);
    Context one(ContextOptions{.threads = 1});
    gemm(variant(), one, first.p);
    for (int threads : {2, 3, 7}) {
      Operands other = make_operands(t);
      Context ctx(ContextOptions{.threads = threads});
      gemm(variant(), ctx, other.p);
      ASSERT_EQ(std::memcmp(first.c.data(), other.c.data(), first.c.size() * sizeof(float)), 0)
          << variant().info.name << " threads=" << threads << " " << t.describe();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, GemmVariantTest, ::testing::Range<std::size_t>(0, gemm_variants().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return std::string(gemm_variants()[param.param].info.name);
                         });

// ---- argument checks (the same in every build type) ---------------------------------

std::string error_of(const GemmProblem& p) {
  Context ctx(ContextOptions{.threads = 1});
  try {
    gemm(ctx, p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc, p.epilogue);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(GemmArguments, RejectsBadShapesWithTheDimensionNamed) {
  std::vector<float> a(64), b(64), c(64);
  const GemmProblem ok{Trans::N, Trans::N, 4, 4, 4, 1.0f, a.data(), 4, b.data(), 4, 0.0f, c.data(), 4, {}};
  EXPECT_EQ(error_of(ok), "");
  auto with = [&](auto edit) {
    GemmProblem p = ok;
    edit(p);
    return error_of(p);
  };
  EXPECT_NE(with([](GemmProblem& p) { p.m = -1; }).find("m = -1"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.n = -3; }).find("n = -3"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.k = -2; }).find("k = -2"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.lda = 3; }).find("lda = 3"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.ldb = 2; }).find("ldb = 2"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.ldc = 1; }).find("ldc = 1"), std::string::npos);
  // A transposed A is stored k x m: lda must cover m.
  EXPECT_NE(with([](GemmProblem& p) {
              p.ta = Trans::T;
              p.m = 6;
              p.lda = 4;
            }).find("lda = 4"),
            std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.a = nullptr; }).find("A is null"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.c = nullptr; }).find("C is null"), std::string::npos);
  EXPECT_NE(with([&](GemmProblem& p) { p.c = a.data() + 2; }).find("overlaps A"), std::string::npos);
  EXPECT_NE(with([&](GemmProblem& p) { p.c = b.data(); }).find("overlaps B"), std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) { p.alpha = std::numeric_limits<float>::quiet_NaN(); }).find("finite"),
            std::string::npos);
  EXPECT_NE(with([](GemmProblem& p) {
              p.m = std::int64_t{1} << 62;
              p.lda = std::int64_t{1} << 62;
            }).find("too large"),
            std::string::npos);
  // Empty problems are fine even with null pointers.
  EXPECT_EQ(with([](GemmProblem& p) {
              p.m = 0;
              p.a = nullptr;
              p.c = nullptr;
            }),
            "");
}

}  // namespace
}  // namespace trenchcoat
