// `trenchcoat kernels`: every registered variant, whether this CPU runs it, and which
// one a Context picks by default (honouring --isa and TRENCHCOAT_ISA).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "cli_common.hpp"
#include "commands.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/kernels/registry.hpp"

namespace trenchcoat::cli {

Runner add_kernels_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("kernels", "list every kernel variant and the default choice");
  auto flags = std::make_shared<ContextFlags>();
  add_context_flags(*cmd, *flags);
  return [flags] {
    Context ctx(context_options(*flags));
    fmt::print("CPU: {} (best ISA: {}), selected ISA: {}, threads: {}\n\n", cpu_model_name(),
               isa_name(cpu_best_isa()), isa_name(ctx.isa()), ctx.threads());
    fmt::print("{:<10} {:<11} {:<7} {:>6}  {:<9} {:<9} {}\n", "family", "variant", "isa", "tile",
               "threads", "this cpu", "summary");
    for (const FamilyListing& family : registered_families()) {
      const std::size_t chosen = ctx.variant_index(family.family);
      for (std::size_t i = 0; i < family.variants.size(); ++i) {
        const VariantInfo& v = family.variants[i];
        const std::string tile = v.tile_m > 0 ? fmt::format("{}x{}", v.tile_m, v.tile_n) : "-";
        const std::string name = fmt::format("{}{}", v.name, i == chosen ? " *" : "");
        fmt::print("{:<10} {:<11} {:<7} {:>6}  {:<9} {:<9} {}\n", family.name, name, isa_name(v.isa), tile,
                   v.threading == Threading::parallel ? "parallel" : "single",
                   cpu_supports(v.isa) ? "yes" : "no", v.summary);
      }
    }
    fmt::print("\n* = default for this Context (best variant compiled in and supported, at most --isa)\n");
    return 0;
  };
}

}  // namespace trenchcoat::cli
