#pragma once
// Instruction-set levels the kernels are compiled for, and what this CPU supports.

#include <string>
#include <string_view>

namespace trenchcoat {

// Ordered: a higher value implies every lower one on the CPUs we target.
enum class Isa : int {
  scalar = 0,  // portable C++, no ISA flags beyond the x86-64 baseline
  avx2 = 1,    // AVX2 + FMA3 (x86-64-v3)
  avx512 = 2,  // AVX-512 F/CD/BW/DQ/VL (x86-64-v4)
};

inline constexpr Isa kAllIsas[] = {Isa::scalar, Isa::avx2, Isa::avx512};

std::string_view isa_name(Isa isa) noexcept;

// "scalar" | "avx2" | "avx512" -> Isa; anything else throws std::invalid_argument.
Isa parse_isa(std::string_view name);

// The highest level both this CPU and the operating system support.
Isa cpu_best_isa() noexcept;
bool cpu_supports(Isa isa) noexcept;

// Throws std::invalid_argument naming the CPU and the level when it is not supported,
// so asking for AVX-512 on an AVX2 laptop is an error message instead of SIGILL.
void require_cpu_supports(Isa isa);

// The level a new Context uses unless told otherwise: TRENCHCOAT_ISA when it is set
// (validated with require_cpu_supports), else cpu_best_isa().
Isa default_isa();

// "AMD EPYC 9B45" etc., from /proc/cpuinfo; "unknown" when unavailable.
std::string cpu_model_name();

}  // namespace trenchcoat
