#pragma once
// Features stored as bytes over one divisor (Dataset::x_bytes): decoding a gathered
// row, and checking that a byte copy decodes to the floats it stands for.
//
// Decoding is the division the loader did, float(byte) / divisor, correctly rounded
// at any vector width, so a decoded row is bit for bit the row of floats.

#include <cstdint>

namespace trenchcoat::nn::detail {

// dst[i] = float(src[i]) / divisor for i in [0, n).
void decode_bytes(const std::uint8_t* src, float* dst, std::int64_t n, float divisor) noexcept;

// The first i in [0, n) whose byte does not decode to the bits of x[i], or -1.
std::int64_t first_undecoded_byte(const std::uint8_t* bytes, const float* x, std::int64_t n,
                                  float divisor) noexcept;

}  // namespace trenchcoat::nn::detail
