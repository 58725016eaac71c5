#include "cli_common.hpp"

#include <CLI/CLI.hpp>

#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat::cli {

void add_context_flags(CLI::App& app, ContextFlags& flags) {
  app.add_option("--threads", flags.threads, "threads for the kernels (0 = all cores)")
      ->check(CLI::Range(0, 4096));
  app.add_option("--isa", flags.isa, "highest ISA to use: scalar, avx2 or avx512 (default: TRENCHCOAT_ISA, else the CPU's best)")
      ->check(CLI::IsMember({"scalar", "avx2", "avx512"}));
}

ContextOptions context_options(const ContextFlags& flags) {
  ContextOptions options;
  options.threads = flags.threads;
  if (!flags.isa.empty()) {
    try {
      options.isa = parse_isa(flags.isa);
      require_cpu_supports(*options.isa);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--isa: ") + e.what());
    }
  }
  return options;
}

}  // namespace trenchcoat::cli
