// Fuzzes parse_idx, the idx reader behind MNIST loading. The first byte picks the mode:
//   even: the rest is a file, parsed as it is (plain, or gzip when it starts 1f 8b);
//   odd:  the rest is gzip-compressed first, so the idx header and payload checks are
//         reached through the inflate path too (random bytes are rarely valid gzip).
// A parsed array must be self-consistent; anything but IdxError is a failure.

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "trenchcoat/nn/idx.hpp"

namespace {

// gzip (not zlib) framing: windowBits 15 + 16.
std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trenchcoat::nn;
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::vector<std::uint8_t> file =
      (data[0] & 1) == 0 ? std::vector<std::uint8_t>(rest.begin(), rest.end()) : gzip(rest);
  try {
    const IdxArray a = parse_idx(file, "fuzz");
    std::int64_t product = 1;
    for (std::int64_t d : a.dims) {
      if (d < 1) std::abort();
      product *= d;
    }
    if (a.dims.empty() || a.dims.size() > static_cast<std::size_t>(kIdxMaxDims) || product != a.elements() ||
        a.data.size() != static_cast<std::size_t>(product) * idx_element_size(a.type)) {
      std::abort();
    }
  } catch (const IdxError&) {
    // the documented way to refuse a file
  }
  return 0;
}
