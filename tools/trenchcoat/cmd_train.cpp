// `trenchcoat train`: trains an MLP on MNIST (or another data set), showing progress,
// one line per epoch and a final report, saving a resumable checkpoint, and on
// Ctrl-C finishing the step in flight, saving and exiting with status 130.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "confusion.hpp"
#include "data_source.hpp"
#include "distributed_run.hpp"
#include "interrupt.hpp"
#include "output_files.hpp"
#include "perf_counters.hpp"
#include "profile_report.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "train_options.hpp"
#include "trenchcoat/nn/checkpoint.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::cli {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// The accuracy whose time-to-reach the final report and JSON give (the bar).
constexpr double kTargetAccuracy = 0.98;
// Exit status after Ctrl-C, as shells report a process ended by SIGINT.
constexpr int kInterruptedStatus = 130;
// At most this many per-epoch summary lines (plus the last epoch's).
constexpr std::int64_t kMaxEpochLines = 20;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::filesystem::path default_save_path(const DataChoice& choice) {
  std::string name = choice.name;
  if (choice.kind == DataKind::folder) {
    std::filesystem::path dir = choice.dir;
    name = dir.filename().string();
    if (name.empty() || name == ".") name = dir.parent_path().filename().string();
    if (name.empty() || name == "." || name == "..") name = "data";
  }
  return "trenchcoat-" + name + ".tcnn";
}

struct EpochRecord {
  nn::EpochMetrics train;
  nn::EvalMetrics test;
  double eval_seconds = 0.0;
  // Samples trained on by this invocation: fewer than train.samples when the epoch
  // was resumed part-way (its metrics still cover the whole epoch).
  std::int64_t trained = 0;

  double samples_per_second() const {
    return train.seconds > 0 ? static_cast<double>(trained) / train.seconds : 0.0;
  }
};

Json epoch_json(const EpochRecord& r) {
  Json j;
  j["epoch"] = r.train.epoch + 1;
  j["train_loss"] = number_or_null(r.train.loss);
  j["train_accuracy"] = number_or_null(r.train.accuracy);
  j["test_loss"] = number_or_null(r.test.loss);
  j["test_accuracy"] = number_or_null(r.test.accuracy);
  j["seconds"] = r.train.seconds;
  j["samples_per_second"] = r.samples_per_second();
  j["eval_seconds"] = r.eval_seconds;
  j["steps"] = r.train.steps;
  j["learning_rate"] = r.train.learning_rate;
  j["complete"] = r.train.complete;
  return j;
}

std::string rate(double per_second) {
  return per_second >= 1e6 ? fmt::format("{:.2f}M", per_second / 1e6) : fmt::format("{:.0f}k", per_second / 1e3);
}

std::string data_summary(const DataChoice& choice, const LoadedData& d) {
  std::string shape = d.rows > 1 ? fmt::format(", {}x{}", d.rows, d.cols) : fmt::format(", {} features", d.test.features);
  std::string where = choice.dir.empty() ? "" : " from " + choice.dir.string();
  return fmt::format("{}: {} training / {} test samples{}, {} classes{} (loaded in {:.2f} s)", choice.name,
                     d.train.samples, d.test.samples, shape, d.classes, where, d.seconds);
}

std::string optimizer_summary(const nn::TrainerConfig& c) {
  std::string s = fmt::format("{} lr {}", nn::optimizer_name(c.optimizer.kind), c.optimizer.learning_rate);
  if (c.optimizer.kind == nn::OptimizerKind::momentum || c.optimizer.kind == nn::OptimizerKind::nesterov) {
    s += fmt::format(" momentum {}", c.optimizer.momentum);
  }
  if (c.optimizer.weight_decay > 0) s += fmt::format(" weight decay {}", c.optimizer.weight_decay);
  s += fmt::format(", {} schedule", nn::schedule_name(c.schedule.kind));
  if (c.schedule.warmup_steps > 0) s += fmt::format(" after {} warm-up steps", c.schedule.warmup_steps);
  return s;
}

Json configuration_json(const DataChoice& choice, const LoadedData& data, const TrainPlan& plan,
                        const nn::Model& model, const std::string& resumed_from) {
  const nn::TrainerConfig& c = plan.config;
  Json j;
  j["data"] = choice.name;
  j["data_dir"] = choice.dir.empty() ? Json(nullptr) : Json(choice.dir.string());
  j["train_samples"] = data.train.samples;
  j["test_samples"] = data.test.samples;
  j["classes"] = data.classes;
  j["layers"] = plan.layers;
  j["activation"] = plan.activation;
  j["model"] = model.spec().describe();
  j["parameters"] = model.layout().parameter_count();
  j["epochs"] = c.epochs;
  j["batch"] = c.batch_size;
  j["optimizer"] = std::string(nn::optimizer_name(c.optimizer.kind));
  j["learning_rate"] = c.optimizer.learning_rate;
  j["momentum"] = c.optimizer.momentum;
  j["weight_decay"] = c.optimizer.weight_decay;
  j["schedule"] = std::string(nn::schedule_name(c.schedule.kind));
  j["warmup_steps"] = c.schedule.warmup_steps;
  j["seed"] = c.seed;
  j["strategy"] = std::string(nn::strategy_name(c.strategy));
  j["resumed_from"] = resumed_from.empty() ? Json(nullptr) : Json(resumed_from);
  return j;
}

// `dist`: this process is one rank of an MPI job (--distributed), null otherwise.
// Every rank runs all of it; rank 0 alone prints, saves and writes the JSON.
int run_train(const TrainFlags& f, DistributedRun* dist) {
  // Everything that can be checked without the data is checked first: a bad flag
  // costs milliseconds, not a data load.
  const DataChoice choice = parse_data_choice(f.data);
  const bool leader = dist == nullptr || dist->rank() == 0;
  std::optional<nn::Checkpoint> resumed;
  if (!f.resume.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f.resume, ec)) throw UsageError("--resume " + f.resume + ": no such file");
    resumed = nn::load_checkpoint(f.resume);
  }
  auto [features, classes] = known_shape(choice.kind);
  TrainPlan plan = resumed ? plan_resume(f, *resumed, features, classes) : plan_training(f, choice.kind, features, classes);
  if (f.no_save && f.save) throw UsageError("--save and --no-save contradict each other");
  std::optional<std::filesystem::path> save_path;
  if (!f.no_save && leader) save_path = f.save ? std::filesystem::path(*f.save) : resumed ? std::filesystem::path(f.resume) : default_save_path(choice);
  if (save_path) require_writable(*save_path, "--save");
  if (!f.json.empty() && leader) require_writable(f.json, "--json");
  if (f.counters && !f.profile) throw UsageError("--counters: only with --profile");
  // Opened before the Context's threads exist, so that they count them too.
  std::unique_ptr<PerfCounters> counters = f.counters ? std::make_unique<PerfCounters>() : nullptr;
  if (counters && !counters->available() && leader) fmt::print("{}\n", counters->why_unavailable());
  CounterValues counted;  // over the training steps, evaluation excluded
  Context ctx(context_options(f.context));

  LoadedData data = load_data(choice, /*with_train=*/true);
  if (choice.kind == DataKind::folder) {
    // Only now are the folder's widths known.
    plan = resumed ? plan_resume(f, *resumed, data.train.features, data.classes)
                   : plan_training(f, choice.kind, data.train.features, data.classes);
  }
  if (plan.config.batch_size > data.train.samples) {
    throw UsageError(fmt::format("--batch {}: larger than the {} training samples", plan.config.batch_size,
                                 data.train.samples));
  }
  nn::Model model = resumed ? nn::model_from_checkpoint(*resumed) : nn::Model(plan.spec, plan.model_seed);
  if (dist) dist->check(plan.config);
  nn::Trainer trainer = dist ? nn::Trainer(ctx, model, plan.config, dist->exchange()) : nn::Trainer(ctx, model, plan.config);
  const std::vector<int> rank_threads = dist ? dist->all_gather(ctx.threads()) : std::vector<int>{ctx.threads()};
  nn::StepProfiler profiler;
  if (f.profile) trainer.set_profiler(&profiler);
  if (resumed) trainer.restore(*resumed->training);
  const nn::TrainerConfig& config = trainer.config();

  const bool chatty = !f.quiet && leader;
  if (chatty) {
    fmt::print("data    {}\n", data_summary(choice, data));
    fmt::print("model   {} {} ({} parameters)\n", plan.layers, plan.activation, model.layout().parameter_count());
    fmt::print("train   {} epoch{}, batch {}, {}, seed {}\n", config.epochs, config.epochs == 1 ? "" : "s", config.batch_size,
               optimizer_summary(config), config.seed);
    fmt::print("run     {} threads, {} kernels, {}-parallel\n", ctx.threads(), isa_name(ctx.isa()),
               nn::strategy_name(config.strategy));
    if (dist) {
      fmt::print("ranks   {} MPI ranks (threads per rank: {}), {} gradient reduction\n", dist->ranks(),
                 fmt::join(rank_threads, " "), reduce_mode_name(dist->exchange().mode()));
    }
    if (resumed) {
      const nn::TrainingProgress& p = trainer.progress();
      fmt::print("resume  {} at epoch {}, batch {} (step {})\n", f.resume, p.epoch + 1, p.batch, p.global_step);
    }
    std::fflush(stdout);
  }

  std::vector<EpochRecord> records;
  std::vector<std::int32_t> predictions(static_cast<std::size_t>(data.test.samples));
  nn::EvalMetrics last_eval;
  bool eval_current = false;  // last_eval / predictions describe the model as it is now
  double train_seconds = 0.0, eval_seconds = 0.0;
  std::optional<double> to_target;
  bool interrupted = false;
  {
    InterruptGuard guard;
    ProgressBar bar(stdout, chatty && is_terminal(stdout), config.epochs);
    const nn::StepCallback on_step = [&](const nn::StepInfo& s) {
      bar.step(s.rows, s.loss);
      const bool stop = (f.stop_after_steps > 0 && s.global_step >= f.stop_after_steps) || interrupt_requested();
      // Every rank must stop after the same step.
      return dist ? !dist->exchange().any(stop) : !stop;
    };
    while (!trainer.finished()) {
      const nn::TrainingProgress& p = trainer.progress();
      const std::int64_t already = p.batch > 0 ? p.samples_seen : 0;
      bar.start_epoch(p.epoch, already, data.train.samples);
      nn::EpochMetrics m;
      const CounterValues before = counters ? counters->read() : CounterValues{};
      try {
        m = trainer.train_epoch(data.train, on_step);
      } catch (const nn::TrainingDiverged& e) {
        bar.clear();
        throw std::runtime_error(std::string(e.what()) + " (try a lower --lr)");
      }
      if (counters) counted += counters->read() - before;
      bar.clear();
      train_seconds += m.seconds;
      eval_current = false;
      if (m.complete) {
        const auto t0 = Clock::now();
        last_eval = nn::evaluate(ctx, model, data.test, predictions);
        eval_current = true;
        EpochRecord r{m, last_eval, seconds_since(t0), m.samples - already};
        eval_seconds += r.eval_seconds;
        if (!to_target && last_eval.accuracy >= kTargetAccuracy) to_target = train_seconds;
        // Long runs (xor's hundreds of tiny epochs) print about twenty lines, first and last included.
        const std::int64_t every = (config.epochs + kMaxEpochLines - 1) / kMaxEpochLines;
        if (chatty && (m.epoch % every == 0 || m.epoch + 1 == config.epochs)) {
          fmt::print("epoch {:>{}}/{}  train loss {:.4f}  acc {}  test acc {}  {:.3f} s  {} samples/s\n", m.epoch + 1,
                     std::to_string(config.epochs).size(), config.epochs, m.loss, percent(m.accuracy),
                     percent(last_eval.accuracy), m.seconds,
                     rate(r.samples_per_second()));
          std::fflush(stdout);
        }
        records.push_back(r);
      } else {
        records.push_back(EpochRecord{m, {}, 0.0, m.samples - already});
      }
      if (m.stopped && !trainer.finished()) {
        interrupted = true;
        break;
      }
    }
    if (!eval_current) {
      const auto t0 = Clock::now();
      last_eval = nn::evaluate(ctx, model, data.test, predictions);
      eval_seconds += seconds_since(t0);
    }
    if (save_path) nn::save_checkpoint(*save_path, trainer);
  }
  if (!leader) return interrupted ? kInterruptedStatus : 0;

  const Confusion confusion = confusion_matrix(data.test.labels, predictions, data.classes);
  const nn::TrainingProgress& p = trainer.progress();
  if (f.quiet) {
    fmt::print("test accuracy {} after {:.3f} s of training{}\n", percent(last_eval.accuracy), train_seconds,
               save_path ? "; saved to " + save_path->string() : "");
  } else {
    fmt::print("\ntest accuracy {} ({} samples, loss {:.4f})\n\n", percent(last_eval.accuracy), data.test.samples,
               last_eval.loss);
    fmt::print("confusion matrix (rows: true class, columns: predicted class)\n{}\n",
               format_confusion(confusion, data.class_names));
    fmt::print("training time {:.3f} s ({} steps", train_seconds, p.global_step);
    if (to_target) fmt::print("; {} test accuracy after {:.3f} s", percent(kTargetAccuracy), *to_target);
    fmt::print("), data loading {:.3f} s, evaluation {:.3f} s\n", data.seconds, eval_seconds);
    if (interrupted) {
      fmt::print("interrupted in epoch {}, after batch {} of {} (step {})\n", p.epoch + 1, p.batch,
                 trainer.batches_per_epoch(data.train.samples), p.global_step);
    }
    if (save_path) {
      fmt::print("{} saved to {}\n", interrupted ? "checkpoint" : "model", save_path->string());
      if (interrupted) {
        fmt::print("resume with: trenchcoat train --resume {}{}\n", save_path->string(),
                   choice.kind == DataKind::mnist ? "" : " --data " + choice.name);
      }
    }
  }

  const ProfileTiming timing =
      config.strategy == nn::Strategy::data_parallel ? ProfileTiming::thread_seconds : ProfileTiming::wall_seconds;
  if (f.profile) fmt::print("\n{}", format_profile(profiler, model.layout(), ctx.threads(), timing));
  if (counters) fmt::print("{}\n", training_counters_line(counted, *counters, p.global_step, train_seconds));

  if (!f.json.empty()) {
    Json j;
    j["schema"] = "trenchcoat-train-1";
    j["configuration"] = configuration_json(choice, data, plan, model, f.resume);
    j["configuration"]["ranks"] = rank_threads.size();
    j["configuration"]["threads_per_rank"] = rank_threads;
    j["configuration"]["reduce"] = dist ? Json(reduce_mode_name(dist->exchange().mode())) : Json(nullptr);
    j["machine"] = machine_json(ctx);
    Json epochs = Json::array();
    for (const EpochRecord& r : records) epochs.push_back(epoch_json(r));
    j["epochs"] = std::move(epochs);
    Json fin;
    fin["test_accuracy"] = number_or_null(last_eval.accuracy);
    fin["test_loss"] = number_or_null(last_eval.loss);
    fin["test_samples"] = data.test.samples;
    fin["train_seconds"] = train_seconds;
    fin["data_seconds"] = data.seconds;
    fin["eval_seconds"] = eval_seconds;
    fin["epochs"] = p.epoch;
    fin["steps"] = p.global_step;
    fin["target_accuracy"] = kTargetAccuracy;
    fin["train_seconds_to_target"] = to_target ? Json(*to_target) : Json(nullptr);
    fin["interrupted"] = interrupted;
    fin["model_file"] = save_path ? Json(save_path->string()) : Json(nullptr);
    fin["confusion"] = confusion_json(confusion);
    j["final"] = std::move(fin);
    if (f.profile) {
      Json pj = profile_json(profiler, model.layout(), ctx.threads(), timing);
      j["profile"] = std::move(pj["profile"]);
      pj.erase("profile");
      j["profile_totals"] = std::move(pj);
      if (counters) {
        // Per step; the hardware fields are null where the OS gives no PMU access.
        j["profile_totals"]["counters"] =
            counters_json(counted, static_cast<double>(std::max<std::int64_t>(1, p.global_step)), train_seconds,
                          counters->available());
      }
    }
    write_json(f.json, j);
  }
  std::fflush(stdout);
  return interrupted ? kInterruptedStatus : 0;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train an MLP (default: MNIST with a fast recipe; fetches the data if missing)");
  auto flags = std::make_shared<TrainFlags>();
  add_train_flags(*cmd, *flags);
  return [flags] {
    if (!flags->distributed) {
      if (flags->reduce) throw UsageError("--reduce " + *flags->reduce + ": only with --distributed");
      return run_train(*flags, nullptr);
    }
    return run_distributed(flags->reduce.value_or("reproducible"),
                           [&](DistributedRun& d) { return run_train(*flags, &d); });
  };
}

}  // namespace trenchcoat::cli
