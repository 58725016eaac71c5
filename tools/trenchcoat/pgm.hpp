#pragma once
// Netpbm grey-scale images (PGM), the format `trenchcoat predict` reads:
//
//   P2 or P5, then width, height and maxval (1..65535) as decimal numbers separated
//   by whitespace, '#' comments allowed between them; then width x height samples:
//   P2 as decimal numbers, P5 as bytes (two bytes, big-endian, when maxval > 255)
//   after exactly one whitespace character.
//
// parse_pgm is a pure function over bytes so that it can be fuzzed: every number is
// range-checked before use, nothing is allocated beyond width x height floats (and
// only after the file is known to hold that many samples), and each problem is a
// PgmError naming the source and what is wrong.

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trenchcoat::cli {

class PgmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GrayImage {
  std::int64_t width = 0, height = 0;
  std::vector<float> pixels;  // row-major, value / maxval: 0 = black, 1 = white
};

// Images larger than this many pixels are refused (predict wants 28 x 28).
inline constexpr std::int64_t kPgmMaxPixels = std::int64_t{1} << 24;

GrayImage parse_pgm(std::span<const std::uint8_t> bytes, std::string_view name);
GrayImage read_pgm(const std::filesystem::path& path);

}  // namespace trenchcoat::cli
