#include "trenchcoat/nn/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <system_error>

namespace trenchcoat::nn {
namespace {

// zlib's own figure for the most deflate can expand its input (1032:1, reached by
// long runs of one byte); a little slack covers gzip's member headers and trailers.
constexpr std::uint64_t kMaxInflateRatio = 1040;
constexpr std::uint64_t kInflateSlack = 1024;

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw IdxError(std::string(name) + ": " + what);
}

std::string hex_byte(std::uint8_t b) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%02x", static_cast<unsigned>(b));
  return buf.data();
}

bool known_type(std::uint8_t t) noexcept {
  return t == 0x08 || t == 0x09 || t == 0x0B || t == 0x0C || t == 0x0D || t == 0x0E;
}

std::uint32_t big_endian_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// What the first 4 + 4 * ndims bytes say.
struct Header {
  IdxType type = IdxType::u8;
  std::vector<std::int64_t> dims;
  std::uint64_t payload = 0;  // bytes of elements that must follow
  std::size_t size = 0;       // bytes of the header itself
};

// Checks the 4-byte prefix; returns the header length it announces.
std::size_t check_prefix(const std::uint8_t* p, std::string_view name) {
  if (p[0] != 0 || p[1] != 0) {
    fail(name, "not an idx file: it starts with " + hex_byte(p[0]) + " " + hex_byte(p[1]) +
                   ", an idx file with 0x00 0x00");
  }
  if (!known_type(p[2])) {
    fail(name, "unknown idx element type " + hex_byte(p[2]) +
                   " (known: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)");
  }
  const int ndims = p[3];
  if (ndims < 1 || ndims > kIdxMaxDims) {
    fail(name, "it declares " + std::to_string(ndims) + " dimensions; 1 to " + std::to_string(kIdxMaxDims) +
                   " are accepted");
  }
  return 4 + 4 * static_cast<std::size_t>(ndims);
}

// The whole header (`p` holds check_prefix's length); the product of the dimensions
// is checked step by step so that it can never overflow.
Header parse_header(const std::uint8_t* p, std::string_view name) {
  Header h;
  h.size = check_prefix(p, name);
  h.type = static_cast<IdxType>(p[2]);
  const std::uint64_t element = idx_element_size(h.type);
  std::uint64_t bytes = element;
  const int ndims = p[3];
  for (int d = 0; d < ndims; ++d) {
    const std::uint32_t dim = big_endian_u32(p + 4 + std::ptrdiff_t{4} * d);
    if (dim == 0) fail(name, "dimension " + std::to_string(d) + " is 0");
    // bytes <= kIdxMaxPayload < 2^33 and dim < 2^32: the product fits in 64 bits.
    bytes *= dim;
    if (bytes > kIdxMaxPayload) {
      std::string shape;
      for (int e = 0; e < ndims; ++e) shape += (e ? " x " : "") + std::to_string(big_endian_u32(p + 4 + std::ptrdiff_t{4} * e));
      fail(name, "its dimensions " + shape + " of " + std::to_string(element) + "-byte elements exceed the " +
                     std::to_string(kIdxMaxPayload >> 30) + " GiB limit");
    }
    h.dims.push_back(dim);
  }
  h.payload = bytes;
  return h;
}

std::string plural(std::uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Checks a whole plain file: the header, and a payload of exactly the size it gives.
Header check_plain(std::span<const std::uint8_t> bytes, std::string_view name) {
  if (bytes.size() < 4) fail(name, "truncated: " + plural(bytes.size(), "byte") + ", an idx header needs at least 4");
  const std::size_t header_size = check_prefix(bytes.data(), name);
  if (bytes.size() < header_size) {
    fail(name, "truncated: the header needs " + std::to_string(header_size) + " bytes, the file holds " +
                   std::to_string(bytes.size()));
  }
  Header h = parse_header(bytes.data(), name);
  const std::uint64_t present = bytes.size() - h.size;
  if (present < h.payload) {
    fail(name, "truncated: its dimensions need " + plural(h.payload, "byte") + " of data, the file holds " +
                   std::to_string(present));
  }
  if (present > h.payload) {
    fail(name, plural(present - h.payload, "byte") + " after the " + std::to_string(h.payload) +
                   " its dimensions describe");
  }
  return h;
}

IdxArray parse_plain(std::span<const std::uint8_t> bytes, std::string_view name) {
  Header h = check_plain(bytes, name);
  IdxArray out;
  out.type = h.type;
  out.dims = std::move(h.dims);
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(h.size), bytes.end());
  return out;
}

// A gzip stream (one or more members, as gzip -d accepts) read incrementally into
// caller-sized pieces.
class Inflater {
 public:
  Inflater(std::span<const std::uint8_t> in, std::string_view name) : in_(in), name_(name) {
    // 16 + MAX_WBITS: gzip wrapper only (a raw zlib stream is not an idx.gz).
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail(name_, "zlib could not start inflating");
  }
  ~Inflater() { inflateEnd(&z_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Fills out[0, n) with the next decompressed bytes; returns how many it got (fewer
  // than n only when the stream ended). Throws for corrupt or truncated input.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n && !done_) {
      // zlib may still owe output for input it has already taken (the tail of a
      // match), so an empty input is handed over too; only no progress is an error.
      if (z_.avail_in == 0 && offset_ < in_.size()) refill();
      const std::size_t want = std::min<std::size_t>(n - got, kChunk);
      z_.next_out = out + got;
      z_.avail_out = static_cast<uInt>(want);
      const uInt in_before = z_.avail_in;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const std::size_t produced = want - z_.avail_out;
      got += produced;
      if (rc == Z_STREAM_END) {
        end_member();
      } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
        // With room for output and input to read, inflate always moves; no movement
        // means the input ended inside a member. Failing here also guarantees that
        // the loop ends.
        if (produced == 0 && z_.avail_in == in_before) {
          fail(name_, "truncated gzip stream (it ends inside compressed data)");
        }
      } else {
        fail(name_, std::string("corrupt gzip data: ") + (z_.msg != nullptr ? z_.msg : "inflate failed"));
      }
    }
    return got;
  }

  // Whether the stream holds more bytes (reads one to see).
  bool more() {
    std::uint8_t b = 0;
    return read(&b, 1) == 1;
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 30;  // zlib counts in 32-bit uInt

  std::size_t consumed() const noexcept { return offset_ - z_.avail_in; }

  void refill() {
    const std::size_t take = std::min(in_.size() - offset_, kChunk);
    z_.next_in = const_cast<Bytef*>(in_.data() + offset_);  // zlib's API is not const-correct; it only reads
    z_.avail_in = static_cast<uInt>(take);
    offset_ += take;
  }

  void end_member() {
    const std::size_t at = consumed();
    if (at >= in_.size()) {
      done_ = true;
      return;
    }
    // Another gzip member may follow (concatenated .gz files decompress to the
    // concatenation); anything else after the stream is garbage.
    if (in_.size() - at < 2 || in_[at] != 0x1f || in_[at + 1] != 0x8b) {
      fail(name_, plural(in_.size() - at, "byte") + " of garbage after the gzip stream");
    }
    if (inflateReset(&z_) != Z_OK) fail(name_, "zlib could not restart inflating");
  }

  std::span<const std::uint8_t> in_;
  std::string_view name_;
  z_stream z_{};
  std::size_t offset_ = 0;  // input handed to zlib so far
  bool done_ = false;
};

IdxArray parse_gzip(std::span<const std::uint8_t> bytes, std::string_view name) {
  Inflater z(bytes, name);
  std::array<std::uint8_t, 4 + 4 * kIdxMaxDims> head{};
  std::size_t got = z.read(head.data(), 4);
  if (got < 4) fail(name, "truncated: it decompresses to " + plural(got, "byte") + ", an idx header needs 4");
  const std::size_t header_size = check_prefix(head.data(), name);
  got += z.read(head.data() + 4, header_size - 4);
  if (got < header_size) {
    fail(name, "truncated: the header needs " + std::to_string(header_size) + " bytes, it decompresses to " +
                   std::to_string(got));
  }
  Header h = parse_header(head.data(), name);
  // Refuse before allocating when the compressed bytes cannot possibly hold it.
  const std::uint64_t ceiling = static_cast<std::uint64_t>(bytes.size()) * kMaxInflateRatio + kInflateSlack;
  if (h.payload > ceiling) {
    fail(name, "its dimensions claim " + plural(h.payload, "byte") + " of data, more than " +
                   plural(bytes.size(), "compressed byte") + " can hold");
  }
  IdxArray out;
  out.type = h.type;
  out.dims = std::move(h.dims);
  // The buffer grows with the bytes that really arrive, not with what the header
  // claims: it starts at four times the compressed size (idx images compress 2-4x,
  // so real files need one allocation) and doubles from there, so a truncated or
  // lying stream costs at most twice its real decompressed size.
  const auto payload = static_cast<std::size_t>(h.payload);
  const std::size_t first = std::max(std::size_t{1} << 20, bytes.size() * 4);
  std::size_t have = 0;
  while (have < payload) {
    const std::size_t next = std::min(payload, std::max(have * 2, first));
    out.data.resize(next);
    have += z.read(out.data.data() + have, next - have);
    if (have < next) {
      fail(name, "truncated: its dimensions need " + plural(h.payload, "byte") + " of data, it decompresses to " +
                     std::to_string(have));
    }
  }
  if (z.more()) fail(name, "it decompresses to more bytes than the " + std::to_string(h.payload) + " its dimensions describe");
  return out;
}

}  // namespace

std::string_view idx_type_name(IdxType t) noexcept {
  switch (t) {
    case IdxType::u8: return "u8";
    case IdxType::i8: return "i8";
    case IdxType::i16: return "i16";
    case IdxType::i32: return "i32";
    case IdxType::f32: return "f32";
    case IdxType::f64: return "f64";
  }
  return "unknown";
}

std::size_t idx_element_size(IdxType t) noexcept {
  switch (t) {
    case IdxType::u8:
    case IdxType::i8: return 1;
    case IdxType::i16: return 2;
    case IdxType::i32:
    case IdxType::f32: return 4;
    case IdxType::f64: return 8;
  }
  return 1;
}

std::int64_t IdxArray::elements() const noexcept {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

bool is_gzip(std::span<const std::uint8_t> bytes) noexcept {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view name) {
  return is_gzip(bytes) ? parse_gzip(bytes, name) : parse_plain(bytes, name);
}

IdxArray read_idx(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) fail(name, "no such file");
  if (std::filesystem::is_directory(status)) fail(name, "is a directory, not an idx file");
  if (!std::filesystem::is_regular_file(status)) fail(name, "is not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(name, "cannot read its size: " + ec.message());
  if (size > kIdxMaxPayload + 4 + std::uint64_t{4} * kIdxMaxDims) {
    fail(name, "is " + std::to_string(size) + " bytes, over the idx reader's " +
                   std::to_string(kIdxMaxPayload >> 30) + " GiB limit");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(name, "cannot open it for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) fail(name, "read failed (the file changed or is unreadable)");
  if (is_gzip(bytes)) return parse_idx(bytes, name);
  // A plain file's elements stay in the buffer they were read into (the header is
  // shifted out) instead of being copied: fresh memory is slow to touch on some
  // virtual machines (tens of microseconds per page here), and MNIST's training
  // images are 47 MB.
  Header h = check_plain(bytes, name);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(h.size));
  IdxArray out;
  out.type = h.type;
  out.dims = std::move(h.dims);
  out.data = std::move(bytes);
  return out;
}

}  // namespace trenchcoat::nn
