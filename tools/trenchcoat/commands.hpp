#pragma once
// Each subcommand registers itself on the app and returns the function that runs it
// after parsing (returning the process exit status).

#include <functional>

namespace CLI {
class App;  // see cli_common.hpp
}  // namespace CLI

namespace trenchcoat::cli {

using Runner = std::function<int()>;

Runner add_kernels_command(CLI::App& app);
Runner add_train_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_predict_command(CLI::App& app);
Runner add_peak_command(CLI::App& app);
Runner add_compare_command(CLI::App& app);
Runner add_scaling_command(CLI::App& app);

}  // namespace trenchcoat::cli
