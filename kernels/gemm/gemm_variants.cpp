// The GEMM family's variant list: one line per variant. Tests, benchmarks and
// `trenchcoat kernels` all enumerate this list.

#include "gemm_kernel_set.hpp"
#include "reference/reference.hpp"
#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat {
namespace {

template <const detail::GemmKernelSet& Kernels>
void tiled(Context& ctx, const GemmProblem& p) {
  detail::run_tiled_gemm(Kernels, ctx, p);
}

template <const detail::GemmKernelSet& Kernels>
constexpr VariantInfo tiled_info(std::string_view name, Isa isa, std::string_view summary) {
  return VariantInfo{name, isa, Kernels.blocking.mr, Kernels.blocking.nr, Threading::parallel, false, summary};
}

#if defined(TRENCHCOAT_HAVE_AVX2)
// AVX2 tiles by shape (gemm_avx2.cpp): 4 x 24 once every dimension is large, where
// it measured 2-9% faster, 6 x 16 below, where it measured 1-8% faster. The shape
// alone decides, and both compute each element identically.
constexpr std::int64_t kAvx2WideMin = 512;

void tiled_avx2(Context& ctx, const GemmProblem& p) {
  const bool wide = p.m >= kAvx2WideMin && p.n >= kAvx2WideMin && p.k >= kAvx2WideMin;
  detail::run_tiled_gemm(wide ? detail::kGemmAvx2Wide : detail::kGemmAvx2, ctx, p);
}
#endif

}  // namespace

std::span<const GemmVariant> gemm_variants() {
  static const GemmVariant variants[] = {
      {{"reference", Isa::scalar, 0, 0, Threading::single, true, "naive loops, double accumulation (test oracle)"},
       &reference::gemm},
      {tiled_info<detail::kGemmBlocked>("blocked", Isa::scalar, "portable C++, Goto/BLIS packing and cache blocking"),
       &tiled<detail::kGemmBlocked>},
#if defined(TRENCHCOAT_HAVE_AVX2)
      {tiled_info<detail::kGemmAvx2>("avx2", Isa::avx2,
                                     "xsimd AVX2+FMA micro-kernel, packed, cache-blocked; 4x24 tiles when m, n, k >= 512"),
       &tiled_avx2},
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
      {tiled_info<detail::kGemmAvx512>("avx512", Isa::avx512, "xsimd AVX-512 micro-kernel, packed, cache-blocked"),
       &tiled<detail::kGemmAvx512>},
#endif
  };
  return variants;
}

}  // namespace trenchcoat
