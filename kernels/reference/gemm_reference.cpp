// The GEMM oracle: a naive triple loop accumulating in double precision. Slow on
// purpose and obviously right; every other variant is tested against it.

#include <algorithm>
#include <vector>

#include "trenchcoat/kernels/gemm.hpp"
#include "reference.hpp"

namespace trenchcoat::reference {

void gemm(Context& /*ctx*/, const GemmProblem& p) {
  std::vector<double> row(static_cast<std::size_t>(p.n));
  for (std::int64_t i = 0; i < p.m; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    // i-l-j order: the innermost loop walks a row of B (when tb == N) contiguously.
    // alpha == 0 means "do not read A and B" (the BLAS convention).
    for (std::int64_t l = 0; l < (p.alpha == 0.0f ? 0 : p.k); ++l) {
      const double a = p.ta == Trans::N ? p.a[i * p.lda + l] : p.a[l * p.lda + i];
      for (std::int64_t j = 0; j < p.n; ++j) {
        const double b = p.tb == Trans::N ? p.b[l * p.ldb + j] : p.b[j * p.ldb + l];
        row[static_cast<std::size_t>(j)] += a * b;
      }
    }
    for (std::int64_t j = 0; j < p.n; ++j) {
      float& c = p.c[i * p.ldc + j];
      double x = static_cast<double>(p.alpha) * row[static_cast<std::size_t>(j)];
      if (p.beta != 0.0f) x += static_cast<double>(p.beta) * c;
      if (p.epilogue.bias != nullptr) x += p.epilogue.bias[j];
      if (p.epilogue.activation == EpilogueActivation::relu) x = std::max(x, 0.0);
      c = static_cast<float>(x);
    }
  }
}

}  // namespace trenchcoat::reference
