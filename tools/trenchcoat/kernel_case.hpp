#pragma once
// One registry variant of one kernel on one shape, ready to be called again and again
// by `compare` and `scaling`: the operands are allocated and filled once, and the
// work of a call (FLOPs, bytes moved) is known so rates can be reported.
//
// Kernels (the names of trenchcoat-bench's benchmark prefixes):
//   gemm                       shape MxNxK (C = A B, row-major, no transposes)
//   softmax, log_softmax       family softmax, shape RxC
//   xent, mse                  family loss (fused softmax cross-entropy / squared error, with gradients)
//   <activation>_fwd, _bwd     family eltwise (relu_fwd, gelu_bwd, ...)
//   bias_add, bias_bwd         family eltwise

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::cli {

struct KernelCase {
  std::string label;      // "gemm/avx512/1024x1024x1024"
  std::string family;     // registry family: "gemm", "eltwise", "softmax", "loss"
  std::string variant;
  Isa isa = Isa::scalar;  // the variant's ISA
  Threading threading = Threading::single;
  double flops = 0.0;     // per call; 0 for the memory-bound kernels
  double bytes = 0.0;     // read + written per call (each operand once)
  std::function<void()> call;  // runs the kernel once on its Context
  std::shared_ptr<void> operands;  // keeps the buffers `call` uses alive
};

// Every kernel name accepted above, for help texts and error messages.
std::vector<std::string> kernel_names();

// Builds the case; `ctx` must outlive it. Throws UsageError (exit status 2) for an
// unknown kernel or variant, a variant this CPU cannot run, or a malformed or absurd
// shape, naming `flag` for the variant.
KernelCase make_kernel_case(const std::string& kernel, const std::string& variant, const std::string& shape,
                            Context& ctx, const std::string& flag = "--variant");

// "MxNxK" (dims == 3) or "RxC" (dims == 2) -> the sizes; throws UsageError naming
// --shape unless each is an integer in [1, 1 << 20] and the largest operand has at most
// 1 << 28 elements.
std::vector<std::int64_t> parse_shape(const std::string& shape, int dims);

}  // namespace trenchcoat::cli
