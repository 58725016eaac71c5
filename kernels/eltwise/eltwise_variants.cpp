// The element-wise family's variant list: one line per variant. Tests, benchmarks and
// `trenchcoat kernels` all enumerate this list.

#include "eltwise/eltwise_kernel_set.hpp"
#include "reference/reference.hpp"
#include "trenchcoat/kernels/activation.hpp"

namespace trenchcoat {
namespace {

// The registry's function table for one ISA's kernel set, bound at compile time.
template <const detail::EltwiseKernelSet& K>
constexpr EltwiseKernels threaded() {
  return EltwiseKernels{
      [](Context& ctx, ActivationParams act, std::span<const float> x, std::span<float> y) {
        detail::run_activation_forward(K, ctx, act, x, y);
      },
      [](Context& ctx, ActivationParams act, std::span<const float> x, std::span<const float> y,
         std::span<const float> dy, std::span<float> dx) { detail::run_activation_backward(K, ctx, act, x, y, dy, dx); },
      [](Context& ctx, MatrixView y, std::span<const float> bias) { detail::run_bias_add(K, ctx, y, bias); },
      [](Context& ctx, ConstMatrixView dy, std::span<float> db) { detail::run_bias_backward(K, ctx, dy, db); },
  };
}

}  // namespace

std::span<const EltwiseVariant> eltwise_variants() {
  static const EltwiseVariant variants[] = {
      {{"reference", Isa::scalar, 0, 0, Threading::single, true, "double precision, textbook formulas (test oracle)"},
       {&reference::activation_forward, &reference::activation_backward, &reference::bias_add,
        &reference::bias_backward}},
      {{"scalar", Isa::scalar, 0, 0, Threading::parallel, false, "portable C++, C library math, oneTBB over chunks"},
       threaded<detail::kEltwiseScalar>()},
#if defined(TRENCHCOAT_HAVE_AVX2)
      {{"avx2", Isa::avx2, 0, 0, Threading::parallel, false, "xsimd AVX2+FMA, own exp/log1p, oneTBB over chunks"},
       threaded<detail::kEltwiseAvx2>()},
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
      {{"avx512", Isa::avx512, 0, 0, Threading::parallel, false, "xsimd AVX-512, own exp/log1p, oneTBB over chunks"},
       threaded<detail::kEltwiseAvx512>()},
#endif
  };
  return variants;
}

}  // namespace trenchcoat
