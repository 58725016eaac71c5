#pragma once
// Little-endian encoding of the checkpoint's fields, written byte by byte so the
// format does not depend on the host's endianness, padding or type sizes; and a
// reader that checks every read against the bytes actually there.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace trenchcoat::nn::detail {

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f32(float v);
  void f64(double v);
  void bytes(std::span<const std::uint8_t> b) {
    for (std::uint8_t v : b) out_.push_back(v);
  }
  void floats(std::span<const float> v);
  std::size_t size() const noexcept { return out_.size(); }
  // Overwrites 8 bytes at `at` (a length field written before its contents).
  void patch_u64(std::size_t at, std::uint64_t v);
  std::vector<std::uint8_t>& buffer() noexcept { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

// Thrown by ByteReader when a read would pass the end; the checkpoint decoder turns
// it into a message naming the file and the field.
struct ReadPastEnd : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  float f32();
  double f64();
  std::span<const std::uint8_t> bytes(std::size_t n);
  // `count` floats; the caller has checked that count * 4 <= remaining().
  void floats(std::span<float> out);
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }

 private:
  const std::uint8_t* take(std::size_t n);
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace trenchcoat::nn::detail
