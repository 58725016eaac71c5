#include "byte_io.hpp"

#include <bit>
#include <cstring>

namespace trenchcoat::nn::detail {

void ByteWriter::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void ByteWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void ByteWriter::f32(float v) { u32(std::bit_cast<std::uint32_t>(v)); }
void ByteWriter::f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }

void ByteWriter::floats(std::span<const float> v) {
  out_.reserve(out_.size() + v.size() * 4);
  for (float f : v) f32(f);
}

void ByteWriter::patch_u64(std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(v >> (8 * i));
}

const std::uint8_t* ByteReader::take(std::size_t n) {
  if (n > remaining()) {
    throw ReadPastEnd("needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) + ", only " +
                      std::to_string(remaining()) + " left");
  }
  const std::uint8_t* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}

std::uint8_t ByteReader::u8() { return *take(1); }

std::uint32_t ByteReader::u32() {
  const std::uint8_t* p = take(4);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

std::uint64_t ByteReader::u64() {
  const std::uint8_t* p = take(8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

float ByteReader::f32() { return std::bit_cast<float>(u32()); }
double ByteReader::f64() { return std::bit_cast<double>(u64()); }

std::span<const std::uint8_t> ByteReader::bytes(std::size_t n) { return {take(n), n}; }

void ByteReader::floats(std::span<float> out) {
  const std::uint8_t* p = take(out.size() * 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(p[i * 4 + static_cast<std::size_t>(b)]) << (8 * b);
    out[i] = std::bit_cast<float>(v);
  }
}

}  // namespace trenchcoat::nn::detail
