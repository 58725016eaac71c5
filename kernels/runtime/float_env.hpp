#pragma once
// Flush-to-zero / denormals-are-zero. MXCSR is per thread, so the Context sets it on
// every worker that joins its arena and, for the duration of a kernel call, on the
// calling thread — restoring whatever the caller had afterwards.

#include <xmmintrin.h>

namespace trenchcoat::detail {

inline constexpr unsigned kMxcsrFtz = 1u << 15;  // flush denormal results to zero
inline constexpr unsigned kMxcsrDaz = 1u << 6;   // treat denormal inputs as zero

class DenormalsAreZeroScope {
 public:
  DenormalsAreZeroScope() noexcept : saved_(_mm_getcsr()) {
    const unsigned wanted = saved_ | kMxcsrFtz | kMxcsrDaz;
    if (wanted != saved_) _mm_setcsr(wanted);
  }
  ~DenormalsAreZeroScope() {
    if (_mm_getcsr() != saved_) _mm_setcsr(saved_);
  }
  DenormalsAreZeroScope(const DenormalsAreZeroScope&) = delete;
  DenormalsAreZeroScope& operator=(const DenormalsAreZeroScope&) = delete;

 private:
  unsigned saved_;
};

}  // namespace trenchcoat::detail
