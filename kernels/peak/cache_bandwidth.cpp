// Cache read bandwidth: the ceilings of kernels whose operands stay in L1 or L2 (the
// small GEMMs of a training shard, activations on a batch), measured like the FMA
// peak: every thread reads its own block, all start together, and the rate is all
// bytes over the slowest thread's time.

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "timed_threads.hpp"
#include "trenchcoat/kernels/peak.hpp"

namespace trenchcoat {
namespace detail {
float read_loop_avx512(const float* data, std::size_t floats, std::int64_t sweeps);
std::size_t read_block_floats_avx512();
float read_loop_avx2(const float* data, std::size_t floats, std::int64_t sweeps);
std::size_t read_block_floats_avx2();
}  // namespace detail

namespace {

// The x86-64 baseline: SSE2's four-float vectors, which GCC makes of this loop.
constexpr std::size_t kBaselineChains = 8;
float read_loop_baseline(const float* data, std::size_t floats, std::int64_t sweeps) {
  float acc[kBaselineChains][4] = {};
  for (std::int64_t s = 0; s < sweeps; ++s) {
    for (std::size_t j = 0; j < floats; j += kBaselineChains * 4) {
      for (std::size_t i = 0; i < kBaselineChains; ++i) {
        for (std::size_t l = 0; l < 4; ++l) acc[i][l] += data[j + i * 4 + l];
      }
    }
  }
  float t = 0;
  for (auto& row : acc) {
    for (float v : row) t += v;
  }
  return t;
}

struct ReadLoop {
  float (*run)(const float*, std::size_t, std::int64_t);
  std::size_t block_floats;  // the block size must be a multiple of this
};

ReadLoop read_loop_for(Isa isa) {
  switch (isa) {
    case Isa::avx512: return {&detail::read_loop_avx512, detail::read_block_floats_avx512()};
    case Isa::avx2: return {&detail::read_loop_avx2, detail::read_block_floats_avx2()};
    case Isa::scalar: break;
  }
  return {&read_loop_baseline, kBaselineChains * 4};
}

struct AlignedFree {
  void operator()(float* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }
};

}  // namespace

double measure_cache_read_gbps(Isa isa, int threads, std::size_t bytes_per_thread, double seconds) {
  require_cpu_supports(isa);
  if (threads < 1) throw std::invalid_argument("threads must be >= 1, not " + std::to_string(threads));
  const ReadLoop loop = read_loop_for(isa);
  const std::size_t floats =
      std::max(loop.block_floats, bytes_per_thread / sizeof(float) / loop.block_floats * loop.block_floats);
  auto make_block = [floats] {
    std::unique_ptr<float[], AlignedFree> p(static_cast<float*>(::operator new[](floats * sizeof(float), std::align_val_t{64})));
    std::fill(p.get(), p.get() + floats, 1.0f);
    return p;
  };
  // Sweeps for about `seconds` on one thread; then all threads run them together.
  std::int64_t sweeps = 0;
  {
    const auto block = make_block();
    sweeps = detail::calibrate_repeats([&](std::int64_t n) { return loop.run(block.get(), floats, n); }, 16, seconds);
  }
  volatile float sink = 0;
  const double slowest = detail::slowest_of_threads(threads, [&](int, auto&& timed) {
    const auto block = make_block();   // first touched by the thread that reads it
    loop.run(block.get(), floats, 1);  // into this core's cache before the clock starts
    float r = 0;
    timed([&] { r = loop.run(block.get(), floats, sweeps); });
    if (r == 12345.0f) sink = r;  // keep the result observable
  });
  const double bytes = static_cast<double>(floats * sizeof(float)) * static_cast<double>(sweeps) * threads;
  return bytes / slowest * 1e-9;
}

std::size_t data_cache_bytes(int level) {
  // Linux describes cpu0's caches in sysfs; index<i>/level and /type say which is which.
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
    int l = 0;
    std::string type, size;
    if (!(level_file >> l) || !(type_file >> type) || !(size_file >> size)) break;
    if (l != level || type == "Instruction") continue;
    std::size_t digits = 0;
    const unsigned long long value = std::stoull(size, &digits);
    const char unit = digits < size.size() ? size[digits] : ' ';
    const std::size_t scale = unit == 'K' ? 1024 : unit == 'M' ? std::size_t{1024} * 1024 : unit == 'G' ? std::size_t{1024} * 1024 * 1024 : 1;
    return static_cast<std::size_t>(value) * scale;
  }
  // Virtual machines often lack those files; glibc reads the sizes from CPUID.
  const long from_cpuid = level == 1 ? ::sysconf(_SC_LEVEL1_DCACHE_SIZE)
                          : level == 2 ? ::sysconf(_SC_LEVEL2_CACHE_SIZE)
                          : level == 3 ? ::sysconf(_SC_LEVEL3_CACHE_SIZE)
                                       : 0;
  return from_cpuid > 0 ? static_cast<std::size_t>(from_cpuid) : 0;
}

}  // namespace trenchcoat
