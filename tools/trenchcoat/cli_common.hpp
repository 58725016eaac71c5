#pragma once
// Pieces every subcommand shares: the Context flags (--threads, --isa) and the
// error convention (usage errors exit 2, runtime errors exit 1, one line on stderr).

#include <CLI/CLI.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::cli {

// Thrown for bad flag values found after parsing; main() turns it into exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ContextFlags {
  int threads = 0;
  std::string isa;  // empty: TRENCHCOAT_ISA or the CPU's best
};

void add_context_flags(CLI::App& app, ContextFlags& flags);

// Builds the Context the flags describe; a bad --isa is a UsageError.
ContextOptions context_options(const ContextFlags& flags);

}  // namespace trenchcoat::cli
