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

}  // namespace

std::span<const GemmVariant> gemm_variants() {
  static const GemmVariant variants[] = {
      {{"reference", Isa::scalar, 0, 0, Threading::single, true, "naive loops, double accumulation (test oracle)"},
       &reference::gemm},
      {tiled_info<detail::kGemmBlocked>("blocked", Isa::scalar, "portable C++, Goto/BLIS packing and cache blocking"),
       &tiled<detail::kGemmBlocked>},
#if defined(TRENCHCOAT_HAVE_AVX2)
      {tiled_info<detail::kGemmAvx2>("avx2", Isa::avx2, "xsimd AVX2+FMA micro-kernel, packed, cache-blocked"),
       &tiled<detail::kGemmAvx2>},
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
      {tiled_info<detail::kGemmAvx512>("avx512", Isa::avx512, "xsimd AVX-512 micro-kernel, packed, cache-blocked"),
       &tiled<detail::kGemmAvx512>},
#endif
  };
  return variants;
}

}  // namespace trenchcoat
