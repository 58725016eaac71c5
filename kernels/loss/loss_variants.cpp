// The loss family's variant list: one line per variant. Tests, benchmarks and
// `trenchcoat kernels` all enumerate this list.

#include "loss/loss_kernel_set.hpp"
#include "reference/reference.hpp"

namespace trenchcoat {
namespace {

template <const detail::LossKernelSet& K>
constexpr LossKernels threaded() {
  return LossKernels{
      [](Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels, MatrixView grad,
         float grad_scale) { return detail::run_softmax_cross_entropy(K, ctx, logits, labels, grad, grad_scale); },
      [](Context& ctx, ConstMatrixView pred, ConstMatrixView target, MatrixView grad, float grad_scale) {
        return detail::run_squared_error(K, ctx, pred, target, grad, grad_scale);
      },
  };
}

}  // namespace

std::span<const LossVariant> loss_variants() {
  static const LossVariant variants[] = {
      {{"reference", Isa::scalar, 0, 0, Threading::single, true, "double precision, case by case (test oracle)"},
       {&reference::softmax_cross_entropy, &reference::squared_error}},
      {{"scalar", Isa::scalar, 0, 0, Threading::parallel, false, "portable C++, C library exp, oneTBB over rows"},
       threaded<detail::kLossScalar>()},
#if defined(TRENCHCOAT_HAVE_AVX2)
      {{"avx2", Isa::avx2, 0, 0, Threading::parallel, false, "xsimd AVX2+FMA, fused one-pass softmax + loss"},
       threaded<detail::kLossAvx2>()},
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
      {{"avx512", Isa::avx512, 0, 0, Threading::parallel, false, "xsimd AVX-512, fused one-pass softmax + loss"},
       threaded<detail::kLossAvx512>()},
#endif
  };
  return variants;
}

}  // namespace trenchcoat
