#pragma once
// The variant registry: every kernel variant is declared once, with its name, ISA,
// tile shape, threading and function. Tests, benchmarks and the CLI enumerate these
// lists, so a variant added to its family's list is tested and benchmarked with no
// other edit.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat {

enum class Threading {
  single,    // always runs on the calling thread
  parallel,  // splits work over the Context's threads when it is big enough
};

struct VariantInfo {
  std::string_view name;      // unique within its family, e.g. "avx512"
  Isa isa;                    // the level the CPU must support to run it
  int tile_m = 0;             // micro-kernel tile (rows x cols of the output), 0 if untiled
  int tile_n = 0;
  Threading threading = Threading::single;
  bool reference = false;     // a double-precision oracle: never the default
  std::string_view summary;   // one line for `trenchcoat kernels`
};

// One registry entry: the description plus the function (or table of functions).
template <class Fn>
struct Variant {
  VariantInfo info;
  Fn fn;
};

// Kernel families, in the order `trenchcoat kernels` lists them.
enum class KernelFamily : int {
  gemm = 0,
  eltwise,  // activations, bias add and its backward
  softmax,  // row-wise softmax, log-softmax
  loss,     // fused softmax + cross-entropy, squared error
  kCount,
};
inline constexpr std::size_t kFamilyCount = static_cast<std::size_t>(KernelFamily::kCount);

struct FamilyListing {
  KernelFamily family;
  std::string_view name;               // "gemm"
  std::vector<VariantInfo> variants;   // in registry order
};

// Every family with every variant compiled into this binary.
const std::vector<FamilyListing>& registered_families();
const FamilyListing& family_listing(KernelFamily family);

// The default rule, the same for every family: among the variants whose ISA is at
// most `max_isa` and supported by this CPU, the one with the highest ISA; reference
// oracles only when nothing else qualifies; ties go to the earlier entry.
std::size_t default_variant_index(std::span<const VariantInfo> variants, Isa max_isa);

// Index of the variant called `name`; throws std::invalid_argument when no such
// variant exists (listing the valid names) or when this CPU cannot run it.
std::size_t find_variant_index(std::string_view family, std::span<const VariantInfo> variants,
                               std::string_view name);

}  // namespace trenchcoat
