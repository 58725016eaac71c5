// The softmax family's variant list: one line per variant. Tests, benchmarks and
// `trenchcoat kernels` all enumerate this list.

#include "reference/reference.hpp"
#include "softmax/softmax_kernel_set.hpp"

namespace trenchcoat {
namespace {

template <const detail::SoftmaxKernelSet& K>
constexpr SoftmaxKernels threaded() {
  return SoftmaxKernels{
      [](Context& ctx, ConstMatrixView x, MatrixView y) { detail::run_softmax(K, ctx, x, y, false); },
      [](Context& ctx, ConstMatrixView x, MatrixView y) { detail::run_softmax(K, ctx, x, y, true); },
  };
}

}  // namespace

std::span<const SoftmaxVariant> softmax_variants() {
  static const SoftmaxVariant variants[] = {
      {{"reference", Isa::scalar, 0, 0, Threading::single, true, "double precision, case by case (test oracle)"},
       {&reference::softmax, &reference::log_softmax}},
      {{"scalar", Isa::scalar, 0, 0, Threading::parallel, false, "portable C++, C library exp, oneTBB over rows"},
       threaded<detail::kSoftmaxScalar>()},
#if defined(TRENCHCOAT_HAVE_AVX2)
      {{"avx2", Isa::avx2, 0, 0, Threading::parallel, false, "xsimd AVX2+FMA, own exp, double sums, oneTBB over rows"},
       threaded<detail::kSoftmaxAvx2>()},
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
      {{"avx512", Isa::avx512, 0, 0, Threading::parallel, false, "xsimd AVX-512, own exp, double sums, oneTBB over rows"},
       threaded<detail::kSoftmaxAvx512>()},
#endif
  };
  return variants;
}

}  // namespace trenchcoat
