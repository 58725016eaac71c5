// Fuzzes `trenchcoat train`'s argument handling: the input, split at NUL bytes, is
// the argument list. It is parsed by the same CLI11 app the program builds
// (add_train_flags), and what parses is planned into a model and a trainer
// configuration for each kind of data (plan_training), exactly as `trenchcoat train`
// does before it loads anything. Bad arguments must end in the errors main() turns
// into exit status 2 (CLI::ParseError, UsageError, std::invalid_argument); any other
// exception, a crash or a sanitizer report is a failure.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "data_source.hpp"
#include "train_options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trenchcoat::cli;
  std::vector<std::string> args{"train"};
  args.emplace_back();
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  if (args.size() > 64) return 0;  // long lists add nothing but time
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& a : args) argv.push_back(a.data());

  CLI::App app{"fuzz"};
  TrainFlags flags;
  add_train_flags(app, flags);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0;  // the usage error path (exit status 2)
  }
  try {
    (void)parse_data_choice(flags.data);
  } catch (const UsageError&) {
  } catch (const std::invalid_argument&) {
  }
  const struct {
    DataKind kind;
    std::int64_t features;
    std::int32_t classes;
  } shapes[] = {{DataKind::mnist, 784, 10}, {DataKind::xor_table, 2, 2}, {DataKind::folder, 5, 3}};
  for (const auto& s : shapes) {
    try {
      const TrainPlan plan = plan_training(flags, s.kind, s.features, s.classes);
      // What is planned must be what the trainer accepts.
      plan.spec.validate();
      plan.config.validate();
      if (plan.spec.inputs != s.features || plan.spec.outputs() != s.classes) std::abort();
    } catch (const UsageError&) {
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
