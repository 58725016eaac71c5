#include "trenchcoat/kernels/isa.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <xsimd/xsimd.hpp>

namespace trenchcoat {

std::string_view isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : kAllIsas) {
    if (isa_name(isa) == name) return isa;
  }
  throw std::invalid_argument("unknown ISA '" + std::string(name) +
                              "' (expected scalar, avx2 or avx512)");
}

Isa cpu_best_isa() noexcept {
  // xsimd's cpuid probe also checks that the OS saves the wider registers (XCR0).
  // Its per-feature flags are unreliable in xsimd 8.1; `best` is not.
  const unsigned best = xsimd::available_architectures().best;
  if (best >= xsimd::avx512bw::version()) return Isa::avx512;
  if (best >= xsimd::fma3<xsimd::avx2>::version()) return Isa::avx2;
  return Isa::scalar;
}

bool cpu_supports(Isa isa) noexcept { return static_cast<int>(isa) <= static_cast<int>(cpu_best_isa()); }

void require_cpu_supports(Isa isa) {
  if (!cpu_supports(isa)) {
    throw std::invalid_argument("this CPU (" + cpu_model_name() + ") does not support " +
                                std::string(isa_name(isa)) + "; the best it supports is " +
                                std::string(isa_name(cpu_best_isa())));
  }
}

Isa default_isa() {
  // getenv races only with a concurrent setenv/putenv; trenchcoat never modifies the
  // environment, so reading it here (from any thread, as Contexts are made) is safe.
  const char* env = std::getenv("TRENCHCOAT_ISA");  // NOLINT(concurrency-mt-unsafe): see above
  if (env == nullptr || *env == '\0') return cpu_best_isa();
  Isa isa;
  try {
    isa = parse_isa(env);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("TRENCHCOAT_ISA: ") + e.what());
  }
  try {
    require_cpu_supports(isa);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("TRENCHCOAT_ISA=") + env + ": " + e.what());
  }
  return isa;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto first = line.find_first_not_of(" \t", colon + 1);
        return first == std::string::npos ? std::string("unknown") : line.substr(first);
      }
    }
  }
  return "unknown";
}

}  // namespace trenchcoat
