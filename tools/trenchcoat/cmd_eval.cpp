// `trenchcoat eval --model FILE [--data ...]`: a saved model's accuracy and loss on a
// test set, its confusion matrix and the accuracy of each class.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "confusion.hpp"
#include "data_source.hpp"
#include "model_file.hpp"
#include "output_files.hpp"
#include "report.hpp"
#include "trenchcoat/nn/evaluate.hpp"

namespace trenchcoat::cli {
namespace {

struct EvalFlags {
  std::string model;
  std::string data = "mnist";
  std::string json;
  ContextFlags context;
};

int run_eval(const EvalFlags& f) {
  const DataChoice choice = parse_data_choice(f.data);
  if (!f.json.empty()) require_writable(f.json, "--json");
  nn::Model model = load_model_file(f.model);
  Context ctx(context_options(f.context));
  LoadedData data = load_data(choice, /*with_train=*/false);
  fit_data_to_model(data, model, f.model);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int32_t> predictions(static_cast<std::size_t>(data.test.samples));
  const nn::EvalMetrics m = nn::evaluate(ctx, model, data.test, predictions);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Confusion confusion = confusion_matrix(data.test.labels, predictions, data.classes);

  fmt::print("model   {} ({})\n", f.model, model.spec().describe());
  fmt::print("data    {} test set, {} samples\n", choice.name, data.test.samples);
  fmt::print("accuracy {} ({} of {}), loss {:.4f}, {:.3f} s\n\n", percent(m.accuracy),
             static_cast<std::int64_t>(std::llround(m.accuracy * static_cast<double>(m.samples))), m.samples, m.loss, seconds);
  fmt::print("confusion matrix (rows: true class, columns: predicted class)\n{}\n",
             format_confusion(confusion, data.class_names));
  fmt::print("per-class accuracy\n{}", format_class_accuracy(confusion, data.class_names));

  if (!f.json.empty()) {
    nlohmann::ordered_json j;
    j["schema"] = "trenchcoat-eval-1";
    j["model_file"] = f.model;
    j["model"] = model.spec().describe();
    j["data"] = choice.name;
    j["machine"] = machine_json(ctx);
    j["samples"] = m.samples;
    j["accuracy"] = m.accuracy;
    j["loss"] = m.loss;
    j["seconds"] = seconds;
    j["confusion"] = confusion_json(confusion);
    write_json(f.json, j);
  }
  return 0;
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "accuracy, loss, confusion matrix and per-class accuracy of a saved model");
  auto flags = std::make_shared<EvalFlags>();
  cmd->add_option("--model", flags->model, "a model or checkpoint saved by `trenchcoat train`")->required();
  cmd->add_option("--data", flags->data, "mnist (default), fashion-mnist, xor, or a directory of idx files");
  cmd->add_option("--json", flags->json, "also write the results as JSON");
  add_context_flags(*cmd, flags->context);
  return [flags] { return run_eval(*flags); };
}

}  // namespace trenchcoat::cli
