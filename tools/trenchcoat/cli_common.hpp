#pragma once
// Pieces every subcommand shares: the Context flags (--threads, --isa) and the
// error convention (usage errors exit 2, runtime errors exit 1, one line on stderr).

#include <optional>
#include <stdexcept>
#include <string>

#include "trenchcoat/kernels/context.hpp"

// CLI11 is header-only and heavy (parsing and code generation: about 4 s per file
// under the sanitizer builds, more under clang-tidy): the headers only name CLI::App,
// so they declare it, and only the files that build options include <CLI/CLI.hpp>.
namespace CLI {
class App;
}  // namespace CLI

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
