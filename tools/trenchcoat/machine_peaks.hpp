#pragma once
// This machine's ceilings (FMA throughput per ISA, L1/L2 read bandwidth, memory
// streaming bandwidth, on one core and on all cores), measured with the library's
// kernels/peak/ functions, and cached in a JSON file with the CPU model and the date
// so that other commands can place their results against them without re-measuring.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat::cli {

// A ceiling on one core and on all cores.
struct CeilingPair {
  double one_core = 0.0;
  double all_cores = 0.0;
};

struct IsaCeilings {
  Isa isa = Isa::scalar;
  CeilingPair fma_gflops;  // scalar: SSE2 multiply + add (no FMA in the x86-64 baseline)
  CeilingPair l1_gbps;     // reading a block that fits in L1
  CeilingPair l2_gbps;     // reading a block that fits in L2 but not L1
};

struct MachinePeaks {
  std::string cpu;          // cpu_model_name()
  std::string measured_at;  // "2026-11-27T22:30:00Z"
  int cores = 1;            // threads of the all-cores figures
  std::size_t l1_block_bytes = 0, l2_block_bytes = 0;  // per thread
  std::vector<IsaCeilings> isas;  // every ISA this CPU supports, lowest first
  CeilingPair stream_gbps;

  const IsaCeilings& best() const { return isas.back(); }
};

struct PeakSettings {
  double seconds = 0.2;          // per measurement
  std::size_t stream_bytes = 0;  // per array; 0: the library's default (128 MiB)
};

MachinePeaks measure_machine_peaks(const PeakSettings& settings);

// Schema "trenchcoat-peak-1" (README); machine_json() adds the build and CPU.
nlohmann::ordered_json peaks_json(const MachinePeaks& peaks);
// Throws std::runtime_error naming what is missing when `j` is not such a document.
MachinePeaks peaks_from_json(const nlohmann::json& j);

// Where the cache lives: $TRENCHCOAT_CACHE_DIR/peak.json, else
// $XDG_CACHE_HOME/trenchcoat/peak.json, else ~/.cache/trenchcoat/peak.json.
std::filesystem::path default_peak_cache();

// The cached ceilings when the file exists, parses, and was measured on this CPU model
// with this many cores; nullopt otherwise (never throws).
std::optional<MachinePeaks> load_cached_peaks(const std::filesystem::path& path);

}  // namespace trenchcoat::cli
