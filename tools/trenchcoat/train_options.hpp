#pragma once
// `trenchcoat train`'s flags, the default recipe of each data set, and the pure step
// that turns flags + the data's shape into a model and a trainer configuration.
// Nothing here reads files or starts threads, so the whole flag handling can be
// exercised (and fuzzed) from argv alone:
//
//   CLI::App app;  TrainFlags f;  add_train_flags(app, f);  app.parse(argc, argv);
//   TrainPlan plan = plan_training(f, DataKind::mnist, 784, 10);   // UsageError when bad

#include <cstdint>
#include <optional>
#include <string>

#include "cli_common.hpp"
#include "data_source.hpp"
#include "trenchcoat/nn/checkpoint.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::cli {

// Unset optionals take the data set's recipe (or, with --resume, the checkpoint's).
struct TrainFlags {
  std::string data = "mnist";
  std::optional<std::string> layers, activation, optimizer, schedule, strategy;
  std::optional<std::int64_t> epochs, batch, warmup;
  std::optional<double> lr, momentum, weight_decay;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> save;
  bool no_save = false;
  std::string resume, json;
  bool quiet = false;
  // Time every phase of every step and print where the time went (profile_report.hpp).
  bool profile = false;
  // With --profile: the process's counters over the training steps (perf_counters.hpp).
  bool counters = false;
  // One rank of an MPI job (distributed_run.hpp), combining gradients by `reduce`.
  bool distributed = false;
  std::optional<std::string> reduce;
  // Hidden, for tests: behave as if Ctrl-C arrived right after this many optimizer
  // steps of the whole run (0: never).
  std::int64_t stop_after_steps = 0;
  ContextFlags context;
};

void add_train_flags(CLI::App& cmd, TrainFlags& flags);

// A data set's default training run.
struct Recipe {
  std::string hidden;  // hidden widths ("128", "256-128"); the input and output widths come from the data
  std::string activation;
  std::int64_t epochs;
  std::int64_t batch;
  nn::OptimizerKind optimizer;
  double lr;
  double momentum;
  double weight_decay;
  nn::ScheduleKind schedule;
  std::int64_t warmup;
  nn::Strategy strategy = nn::Strategy::data_parallel;
};
Recipe default_recipe(DataKind kind);

struct TrainPlan {
  nn::ModelSpec spec;
  std::string layers;      // "784-128-10"
  std::string activation;  // "relu"
  nn::TrainerConfig config;
  std::uint64_t model_seed = 1;
};

// A fresh run: the recipe of `kind` overridden by the flags given. `features` and
// `classes` are the data's; a layer spec that does not start with `features` or end
// with `classes` is a UsageError, as is any bad value.
TrainPlan plan_training(const TrainFlags& flags, DataKind kind, std::int64_t features, std::int32_t classes);

// A resumed run continues the checkpoint's configuration exactly; a flag given with
// --resume must agree with it (UsageError naming the flag otherwise), and the data
// must fit the saved model.
TrainPlan plan_resume(const TrainFlags& flags, const nn::Checkpoint& checkpoint, std::int64_t features,
                      std::int32_t classes);

// The input and output widths a named data set has before it is loaded (0, 0 for a
// folder, whose shape is known only then).
std::pair<std::int64_t, std::int32_t> known_shape(DataKind kind);

}  // namespace trenchcoat::cli
