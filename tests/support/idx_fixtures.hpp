#pragma once
// idx files that tests write themselves: well-formed ones of any shape, gzip'd
// copies, and whole folders of a small learnable image data set.

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace trenchcoat::testing {

using Bytes = std::vector<std::uint8_t>;

inline void put_u32_be(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

// The header (magic 0 0, type, ndims, big-endian dims) followed by `payload`.
inline Bytes idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) put_u32_be(b, d);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// One gzip member holding `data` (what `gzip` writes).
inline Bytes gzip(const Bytes& data, int level = Z_DEFAULT_COMPRESSION) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  Bytes out(deflateBound(&z, static_cast<uLong>(data.size())) + 64);
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(z.total_out);
  return out;
}

inline void write_bytes(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A small image classification problem: class c lights up its own block of pixels
// (plus noise), so a tiny MLP learns it in a few epochs.
struct ImageSet {
  Bytes images;  // n x rows x cols
  Bytes labels;  // n
};

inline ImageSet learnable_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols, std::uint32_t classes,
                                 std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> noise(0, 60);
  ImageSet s;
  const std::uint32_t pixels = rows * cols;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t label = i % classes;
    s.labels.push_back(static_cast<std::uint8_t>(label));
    for (std::uint32_t p = 0; p < pixels; ++p) {
      const bool lit = p * classes / pixels == label;
      s.images.push_back(static_cast<std::uint8_t>(noise(gen) + (lit ? 180 : 0)));
    }
  }
  return s;
}

// Writes the four files of an idx folder (training and test sets of the problem
// above); `gzipped` stores them as .gz.
inline void write_idx_folder(const std::filesystem::path& dir, std::uint32_t train, std::uint32_t test,
                             std::uint32_t rows, std::uint32_t cols, std::uint32_t classes, bool gzipped = false) {
  std::filesystem::create_directories(dir);
  const ImageSet tr = learnable_images(train, rows, cols, classes, 1);
  const ImageSet te = learnable_images(test, rows, cols, classes, 2);
  auto put = [&](const char* name, const Bytes& bytes) {
    write_bytes(dir / (std::string(name) + (gzipped ? ".gz" : "")), gzipped ? gzip(bytes) : bytes);
  };
  put("train-images-idx3-ubyte", idx_file(0x08, {train, rows, cols}, tr.images));
  put("train-labels-idx1-ubyte", idx_file(0x08, {train}, tr.labels));
  put("t10k-images-idx3-ubyte", idx_file(0x08, {test, rows, cols}, te.images));
  put("t10k-labels-idx1-ubyte", idx_file(0x08, {test}, te.labels));
}

}  // namespace trenchcoat::testing
