#pragma once
// Double-precision oracles, one per kernel family (see the family's variant list).

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat::reference {

void gemm(Context& ctx, const GemmProblem& p);

}  // namespace trenchcoat::reference
