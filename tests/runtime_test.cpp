// Context, ISA detection and the variant registry.

#include <gtest/gtest.h>
#include <xmmintrin.h>

#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/kernels/registry.hpp"

namespace trenchcoat {
namespace {

TEST(Isa, NamesRoundTrip) {
  for (Isa isa : kAllIsas) EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  EXPECT_THROW(parse_isa("avx1024"), std::invalid_argument);
  EXPECT_THROW(parse_isa(""), std::invalid_argument);
}

TEST(Isa, ScalarAlwaysSupported) { EXPECT_TRUE(cpu_supports(Isa::scalar)); }

TEST(Registry, NamesAreUniqueAndEveryFamilyHasARunnableDefault) {
  for (const FamilyListing& f : registered_families()) {
    std::set<std::string_view> names;
    for (const VariantInfo& v : f.variants) EXPECT_TRUE(names.insert(v.name).second) << f.name << "/" << v.name;
    const std::size_t d = default_variant_index(f.variants, cpu_best_isa());
    EXPECT_FALSE(f.variants[d].reference) << f.name;
    EXPECT_TRUE(cpu_supports(f.variants[d].isa));
  }
}

TEST(Registry, DefaultIsTheHighestSupportedIsaAtMostTheCap) {
  const auto& gemm = family_listing(KernelFamily::gemm).variants;
  for (Isa cap : kAllIsas) {
    if (!cpu_supports(cap)) continue;
    const VariantInfo& chosen = gemm[default_variant_index(gemm, cap)];
    EXPECT_EQ(chosen.isa, cap) << "cap " << isa_name(cap);
  }
}

TEST(Registry, UnknownVariantNamesTheChoices) {
  const auto& gemm = family_listing(KernelFamily::gemm).variants;
  try {
    find_variant_index("gemm", gemm, "avx9000");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("avx9000"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("reference"), std::string::npos);
  }
}

TEST(Context, ThreadsAndSelection) {
  Context one(ContextOptions{.threads = 1});
  EXPECT_EQ(one.threads(), 1);
  Context all;
  EXPECT_EQ(all.threads(), available_cores());
  one.select(KernelFamily::gemm, "blocked");
  EXPECT_EQ(one.variant_name(KernelFamily::gemm), "blocked");
  EXPECT_THROW(one.select(KernelFamily::gemm, "nope"), std::invalid_argument);
  EXPECT_EQ(one.variant_name(KernelFamily::gemm), "blocked");  // unchanged by a failed select
  one.select_defaults();
  EXPECT_NE(one.variant_name(KernelFamily::gemm), "blocked");
}

TEST(Context, RejectsAbsurdThreadCounts) {
  EXPECT_THROW(Context(ContextOptions{.threads = -1}), std::invalid_argument);
  EXPECT_THROW(Context(ContextOptions{.threads = 1 << 20}), std::invalid_argument);
}

TEST(Context, IsaCapLimitsTheDefault) {
  Context scalar(ContextOptions{.threads = 1, .isa = Isa::scalar});
  EXPECT_EQ(scalar.variant_name(KernelFamily::gemm), "blocked");
}

// setenv/unsetenv race with a concurrent getenv; here no other thread reads the
// environment (Contexts read TRENCHCOAT_ISA as they are made, on this thread).
TEST(Context, EnvironmentIsaIsHonouredAndValidated) {
  ::setenv("TRENCHCOAT_ISA", "scalar", 1);  // NOLINT(concurrency-mt-unsafe): see above
  {
    Context ctx(ContextOptions{.threads = 1});
    EXPECT_EQ(ctx.isa(), Isa::scalar);
  }
  ::setenv("TRENCHCOAT_ISA", "sse9", 1);  // NOLINT(concurrency-mt-unsafe): see above
  EXPECT_THROW(Context(ContextOptions{.threads = 1}), std::invalid_argument);
  ::unsetenv("TRENCHCOAT_ISA");  // NOLINT(concurrency-mt-unsafe): see above
}

TEST(Context, UnsupportedIsaIsAnErrorNotSigill) {
  for (Isa isa : kAllIsas) {
    if (cpu_supports(isa)) continue;
    EXPECT_THROW(Context(ContextOptions{.threads = 1, .isa = isa}), std::invalid_argument);
  }
}

TEST(Context, RunRestoresTheCallersFloatingPointMode) {
  const unsigned before = _mm_getcsr();
  for (int threads : {1, 2}) {
    Context ctx(ContextOptions{.threads = threads});
    unsigned inside = 0;
    ctx.run([&] { inside = _mm_getcsr(); });
    EXPECT_NE(inside & (1u << 15), 0u) << "flush-to-zero set inside run()";
    EXPECT_NE(inside & (1u << 6), 0u) << "denormals-are-zero set inside run()";
    EXPECT_EQ(_mm_getcsr(), before) << "caller's MXCSR restored";
  }
}

TEST(Context, ScratchIsAlignedAndGrows) {
  Context ctx(ContextOptions{.threads = 2});
  float* a = ctx.scratch(1, 0, 10);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
  a[9] = 1.0f;
  float* b = ctx.scratch(1, 0, 1 << 20);
  b[(1 << 20) - 1] = 2.0f;
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % 64, 0u);
  EXPECT_THROW(ctx.scratch(2, 0, 1), std::out_of_range);
  EXPECT_THROW(ctx.scratch(0, Context::kScratchBuffers, 1), std::out_of_range);
}

// Two Contexts with different thread counts, used at the same time from two threads.
TEST(Context, TwoContextsSideBySide) {
  const int n = 128;  // large enough for the 2-thread Context to split it
  const auto elements = static_cast<std::size_t>(n) * n;
  std::vector<float> a(elements, 1.0f), b(elements, 2.0f), c1(elements), c2(elements);
  Context one(ContextOptions{.threads = 1});
  Context two(ContextOptions{.threads = 2});
  std::thread t1([&] {
    for (int i = 0; i < 20; ++i) gemm(one, Trans::N, Trans::N, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c1.data(), n);
  });
  std::thread t2([&] {
    for (int i = 0; i < 20; ++i) gemm(two, Trans::N, Trans::N, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c2.data(), n);
  });
  t1.join();
  t2.join();
  for (int i = 0; i < n * n; ++i) {
    ASSERT_EQ(c1[i], 2.0f * n);
    ASSERT_EQ(c2[i], 2.0f * n);
  }
}

}  // namespace
}  // namespace trenchcoat
