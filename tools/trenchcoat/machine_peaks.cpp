#include "machine_peaks.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "report.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/peak.hpp"

namespace trenchcoat::cli {
namespace {

constexpr const char* kSchema = "trenchcoat-peak-1";

// Fallback block sizes when Linux does not describe the caches: smaller than any
// current x86 core's L1d (32 KiB) and L2 (512 KiB).
constexpr std::size_t kFallbackL1 = std::size_t{32} * 1024, kFallbackL2 = std::size_t{512} * 1024;

nlohmann::ordered_json pair_json(const CeilingPair& p) {
  return {{"one_core", p.one_core}, {"all_cores", p.all_cores}};
}

CeilingPair pair_from(const nlohmann::json& j) { return {j.at("one_core").get<double>(), j.at("all_cores").get<double>()}; }

// A ceiling is the best the machine shows: the highest of a few short measurements, so
// that a moment of interference from other processes lowers none of them.
constexpr int kTries = 3;
template <class F>
double best_of(F&& measure) {
  double best = 0.0;
  for (int i = 0; i < kTries; ++i) best = std::max(best, measure());
  return best;
}

}  // namespace

MachinePeaks measure_machine_peaks(const PeakSettings& s) {
  MachinePeaks p;
  p.cpu = cpu_model_name();
  p.measured_at = utc_timestamp();
  p.cores = available_cores();
  // Half of each level, so the block and the little else a core touches stay there; the
  // L2 block also exceeds L1 so that L1 does not serve it.
  const std::size_t l1 = data_cache_bytes(1) != 0 ? data_cache_bytes(1) : kFallbackL1;
  const std::size_t l2 = data_cache_bytes(2) != 0 ? data_cache_bytes(2) : kFallbackL2;
  p.l1_block_bytes = l1 / 2;
  p.l2_block_bytes = std::max(l2 / 2, 2 * l1);
  for (Isa isa : kAllIsas) {
    if (!cpu_supports(isa)) continue;
    IsaCeilings c;
    c.isa = isa;
    const double t = s.seconds / kTries;
    c.fma_gflops = {best_of([&] { return measure_fma_peak_gflops(isa, 1, t); }),
                    best_of([&] { return measure_fma_peak_gflops(isa, p.cores, t); })};
    c.l1_gbps = {best_of([&] { return measure_cache_read_gbps(isa, 1, p.l1_block_bytes, t); }),
                 best_of([&] { return measure_cache_read_gbps(isa, p.cores, p.l1_block_bytes, t); })};
    c.l2_gbps = {best_of([&] { return measure_cache_read_gbps(isa, 1, p.l2_block_bytes, t); }),
                 best_of([&] { return measure_cache_read_gbps(isa, p.cores, p.l2_block_bytes, t); })};
    p.isas.push_back(c);
  }
  p.stream_gbps = {measure_stream_gbps(1, s.seconds, s.stream_bytes),
                   measure_stream_gbps(p.cores, s.seconds, s.stream_bytes)};
  return p;
}

nlohmann::ordered_json peaks_json(const MachinePeaks& p) {
  nlohmann::ordered_json j;
  j["schema"] = kSchema;
  j["cpu"] = p.cpu;
  j["measured_at"] = p.measured_at;
  j["cores"] = p.cores;
  j["l1_block_bytes"] = p.l1_block_bytes;
  j["l2_block_bytes"] = p.l2_block_bytes;
  nlohmann::ordered_json isas = nlohmann::ordered_json::array();
  for (const IsaCeilings& c : p.isas) {
    isas.push_back({{"isa", std::string(isa_name(c.isa))},
                    {"fma_gflops", pair_json(c.fma_gflops)},
                    {"l1_gbps", pair_json(c.l1_gbps)},
                    {"l2_gbps", pair_json(c.l2_gbps)}});
  }
  j["isas"] = std::move(isas);
  j["stream_gbps"] = pair_json(p.stream_gbps);
  return j;
}

MachinePeaks peaks_from_json(const nlohmann::json& j) {
  try {
    if (j.at("schema").get<std::string>() != kSchema) throw std::runtime_error("schema is not " + std::string(kSchema));
    MachinePeaks p;
    p.cpu = j.at("cpu").get<std::string>();
    p.measured_at = j.at("measured_at").get<std::string>();
    p.cores = j.at("cores").get<int>();
    p.l1_block_bytes = j.at("l1_block_bytes").get<std::size_t>();
    p.l2_block_bytes = j.at("l2_block_bytes").get<std::size_t>();
    for (const auto& c : j.at("isas")) {
      p.isas.push_back({parse_isa(c.at("isa").get<std::string>()), pair_from(c.at("fma_gflops")),
                        pair_from(c.at("l1_gbps")), pair_from(c.at("l2_gbps"))});
    }
    if (p.isas.empty()) throw std::runtime_error("no ISA measured");
    p.stream_gbps = pair_from(j.at("stream_gbps"));
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not a peak result: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("not a peak result: ") + e.what());
  }
}

// getenv races only with a concurrent setenv/putenv, and the CLI never modifies its
// environment: the NOLINTs below (concurrency-mt-unsafe) rest on that.
std::filesystem::path default_peak_cache() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
  if (const char* dir = std::getenv("TRENCHCOAT_CACHE_DIR"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / "peak.json";
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "trenchcoat" / "peak.json";
  }
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): see above
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".cache" / "trenchcoat" / "peak.json";
}

std::optional<MachinePeaks> load_cached_peaks(const std::filesystem::path& path) {
  try {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    MachinePeaks p = peaks_from_json(nlohmann::json::parse(in));
    // Another machine's (or this VM's before a resize) figures would mislead.
    if (p.cpu != cpu_model_name() || p.cores != available_cores()) return std::nullopt;
    return p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace trenchcoat::cli
