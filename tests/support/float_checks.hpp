#pragma once
// Helpers for the element-wise, softmax and loss tests: buffers at a chosen distance
// from a cache-line boundary, a mixed relative/absolute tolerance, and a record of
// the worst error seen (so tests can print what they measured).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace trenchcoat::testing {

// TRENCHCOAT_TEST_SCALE=small (the sanitizer runs of .ci/run) shrinks the largest
// problems: 1 000 003 elements become 140 003, still past every threading threshold
// (the highest is 2^17 = 131 072 elements).
inline bool small_scale() {
  // getenv races only with a concurrent setenv; the one test that sets a variable
  // (runtime_test, TRENCHCOAT_ISA) does so while no other thread reads the environment.
  const char* scale = std::getenv("TRENCHCOAT_TEST_SCALE");  // NOLINT(concurrency-mt-unsafe): see above
  return scale != nullptr && std::string_view(scale) == "small";
}
inline std::size_t big_size() { return small_scale() ? 140003 : 1000003; }

// The sizes issue 3 names: empty, one, around the vector widths (8 and 16), and big.
inline std::vector<std::size_t> edge_sizes() { return {0, 1, 15, 16, 17, 31, 33, big_size()}; }

// n floats starting `offset` floats past a 64-byte boundary (offset 1 = unaligned for
// every vector width), with guard floats after the end that must stay untouched.
class Buffer {
 public:
  static constexpr std::size_t kGuard = 16;
  static constexpr float kGuardValue = -12345.5f;

  explicit Buffer(std::size_t n, std::size_t offset = 0) : n_(n) {
    storage_.assign(n + offset + kGuard + 16, kGuardValue);
    const auto addr = reinterpret_cast<std::uintptr_t>(storage_.data());
    const std::size_t to_line = ((64 - addr % 64) % 64) / sizeof(float);
    begin_ = to_line + offset;
  }
  float* data() { return storage_.data() + begin_; }
  const float* data() const { return storage_.data() + begin_; }
  std::size_t size() const { return n_; }
  std::span<float> span() { return {data(), n_}; }
  std::span<const float> cspan() const { return {data(), n_}; }
  float& operator[](std::size_t i) { return data()[i]; }
  float operator[](std::size_t i) const { return data()[i]; }
  bool guard_intact() const {
    for (std::size_t i = 0; i < kGuard; ++i) {
      if (storage_[begin_ + n_ + i] != kGuardValue) return false;
    }
    return true;
  }

 private:
  std::vector<float> storage_;
  std::size_t begin_ = 0, n_ = 0;
};

// |got - want| <= max(rel * |want|, abs), with NaN matching NaN and infinities
// matching exactly. Returns the error in units of the allowance (<= 1 passes).
inline double error_ratio(float got, double want, double rel, double abs) {
  if (std::isnan(want)) return std::isnan(got) ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isinf(want)) return static_cast<double>(got) == want ? 0.0 : std::numeric_limits<double>::infinity();
  if (!std::isfinite(got)) return std::numeric_limits<double>::infinity();
  const double allowance = std::max(rel * std::fabs(want), abs);
  return std::fabs(static_cast<double>(got) - want) / allowance;
}

// Bit-for-bit equality, NaN payloads aside (any NaN equals any NaN).
inline bool same_float(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison): the bits are what is compared (-0 != +0 here)
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

struct WorstError {
  double ratio = 0.0;
  double at = 0.0;
  float got = 0.0f;
  double want = 0.0;
  void update(double r, double where, float g, double w) {
    if (r > ratio || std::isnan(r)) {
      ratio = r;
      at = where;
      got = g;
      want = w;
    }
  }
  std::string describe() const {
    std::ostringstream s;
    s.precision(9);
    s << "worst error " << ratio << " of the allowance at x = " << at << ": got " << got << ", want " << want;
    if (std::isfinite(want) && want != 0.0) s << " (relative " << std::fabs((got - want) / want) << ")";
    return s.str();
  }
};

}  // namespace trenchcoat::testing
