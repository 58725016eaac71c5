#pragma once
// The idx file format of MNIST and Fashion-MNIST, plain or gzip'd:
//
//   bytes 0-1   zero
//   byte  2     element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   byte  3     number of dimensions (1 to kIdxMaxDims)
//   then        one big-endian u32 per dimension
//   then        the elements, big-endian, row-major: exactly the product of the
//               dimensions times the element size, nothing after them
//
// Nothing is trusted before it is checked: the magic and type, the dimension count,
// every dimension (at least 1), their product (no overflow), and the payload length
// against the bytes really present. For gzip'd input the claimed size is first
// checked against the most that deflate can expand the compressed bytes to, and the
// output buffer never grows beyond the claimed size plus one byte, so a small hostile
// file cannot make the reader allocate gigabytes or run for long. Every problem is an
// IdxError whose message starts with the file's name.
//
//   IdxArray images = read_idx("data/mnist/train-images-idx3-ubyte");
//   // images.type == IdxType::u8, images.dims == {60000, 28, 28}

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trenchcoat::nn {

enum class IdxType : std::uint8_t { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };

std::string_view idx_type_name(IdxType t) noexcept;  // "u8", "i8", ..., "f64"
std::size_t idx_element_size(IdxType t) noexcept;    // 1, 1, 2, 4, 4, 8

inline constexpr int kIdxMaxDims = 8;
// The largest payload accepted (4 GiB): far beyond any idx data set in use, and a
// bound that keeps sizes comfortably inside 64-bit arithmetic.
inline constexpr std::uint64_t kIdxMaxPayload = std::uint64_t{1} << 32;

class IdxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxArray {
  IdxType type = IdxType::u8;
  std::vector<std::int64_t> dims;
  // The elements as stored: big-endian, row-major, dims product x element size bytes.
  std::vector<std::uint8_t> data;

  std::int64_t elements() const noexcept;  // product of dims (1 for no dims)
};

// True when the bytes start like a gzip stream (1f 8b).
bool is_gzip(std::span<const std::uint8_t> bytes) noexcept;

// Parses a whole idx file held in memory, gzip'd or not. Pure: no I/O, no globals,
// so it can be fuzzed. `name` starts every error message ("data/x: truncated ...").
IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view name);

// Reads `path` (refusing directories, unreadable files and files over the payload
// limit) and parses it.
IdxArray read_idx(const std::filesystem::path& path);

}  // namespace trenchcoat::nn
