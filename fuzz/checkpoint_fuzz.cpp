// Fuzzes the checkpoint decoder. The first byte picks the mode:
//   even: the rest is a whole file, decoded as it is (header checks, CRCs, ...);
//   odd:  the rest is a payload; a valid header with correct checksums is put in
//         front, so the section and field checks behind the CRCs get exercised —
//         random bytes almost never pass a CRC by chance.
// A decoded checkpoint must re-encode to exactly the same bytes (round trip) and give
// a model. Anything but CheckpointError for a bad input is a failure.

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "trenchcoat/nn/checkpoint.hpp"

namespace {

void put_le(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint32_t crc(const std::uint8_t* data, std::size_t size) {
  return static_cast<std::uint32_t>(::crc32(0, data, static_cast<uInt>(size)));
}

// Header (see checkpoint.hpp) + payload; the flag bit says whether training follows,
// taken from the mode byte so both layouts are reached.
std::vector<std::uint8_t> sealed(std::span<const std::uint8_t> payload, bool training) {
  std::vector<std::uint8_t> file = {'T', 'C', 'N', 'N', 'C', 'K', 'P', 'T'};
  put_le(file, trenchcoat::nn::kCheckpointVersion, 4);
  put_le(file, training ? 1 : 0, 4);
  put_le(file, payload.size(), 8);
  put_le(file, crc(payload.data(), payload.size()), 4);
  put_le(file, crc(file.data(), file.size()), 4);
  file.insert(file.end(), payload.begin(), payload.end());
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trenchcoat::nn;
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::vector<std::uint8_t> file =
      (data[0] & 1) == 0 ? std::vector<std::uint8_t>(rest.begin(), rest.end()) : sealed(rest, (data[0] & 2) != 0);
  try {
    const Checkpoint ck = decode_checkpoint(file, "fuzz");
    const std::vector<std::uint8_t> again = encode_checkpoint(ck);
    if (again != file) std::abort();  // the format has one encoding per checkpoint
    const Model model = model_from_checkpoint(ck);
    if (model.layout().parameter_count() != static_cast<std::int64_t>(ck.parameters.size())) std::abort();
  } catch (const CheckpointError&) {
    // the documented way to refuse a file
  }
  return 0;
}
