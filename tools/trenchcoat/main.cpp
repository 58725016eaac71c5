// trenchcoat — the command-line front door. Subcommands live in cmd_*.cpp.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace trenchcoat::cli;
  CLI::App app{"trenchcoat: SIMD + oneTBB CPU kernels and a reproducible MLP trainer"};
  app.require_subcommand(1);
  std::map<const CLI::App*, Runner> runners;
  auto add = [&](Runner r) { runners[app.get_subcommands({}).back()] = std::move(r); };
  add(add_kernels_command(app));
  add(add_train_command(app));
  add(add_eval_command(app));
  add(add_predict_command(app));
  add(add_peak_command(app));
  add(add_compare_command(app));
  add(add_scaling_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "trenchcoat: {}\n", e.what());
    return 2;
  }
  try {
    for (const auto& [sub, run] : runners) {
      if (sub->parsed()) return run();
    }
    return 2;
  } catch (const UsageError& e) {
    fmt::print(stderr, "trenchcoat: {}\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "trenchcoat: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "trenchcoat: error: {}\n", e.what());
    return 1;
  }
}
