// `trenchcoat predict --model FILE IMAGE.pgm` or `--index N`: one image drawn in the
// terminal, and the model's probability for each class.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "data_source.hpp"
#include "model_file.hpp"
#include "pgm.hpp"
#include "report.hpp"
#include "trenchcoat/nn/evaluate.hpp"

namespace trenchcoat::cli {
namespace {

struct PredictFlags {
  std::string model;
  std::string image;
  std::optional<std::int64_t> index;
  std::string data = "mnist";
  std::string invert = "auto";
  ContextFlags context;
};

// MNIST digits are light strokes on a black background; most drawings are the
// opposite. A mostly light border means a light background.
bool light_background(const std::vector<float>& px, std::int64_t rows, std::int64_t cols) {
  double sum = 0.0;
  std::int64_t n = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      if (r == 0 || c == 0 || r == rows - 1 || c == cols - 1) {
        sum += px[static_cast<std::size_t>(r * cols + c)];
        ++n;
      }
    }
  }
  return n > 0 && sum / static_cast<double>(n) > 0.5;
}

// Two characters per pixel keep the drawing about square in a terminal.
std::string draw(const std::vector<float>& px, std::int64_t rows, std::int64_t cols) {
  static constexpr std::string_view kRamp = " .:-=+*#%@";
  std::string out;
  for (std::int64_t r = 0; r < rows; ++r) {
    out += "  |";
    for (std::int64_t c = 0; c < cols; ++c) {
      const float v = std::clamp(px[static_cast<std::size_t>(r * cols + c)], 0.0f, 1.0f);
      const char ch = kRamp[std::min(kRamp.size() - 1, static_cast<std::size_t>(v * static_cast<float>(kRamp.size())))];
      out += ch;
      out += ch;
    }
    out += "|\n";
  }
  return out;
}

int run_predict(const PredictFlags& f) {
  if (f.image.empty() == !f.index.has_value()) {
    throw UsageError("predict: give either an IMAGE (a PGM file) or --index N, not both or neither");
  }
  if (f.invert != "auto" && f.invert != "always" && f.invert != "never") {
    throw UsageError("--invert " + f.invert + ": expected auto, always or never");
  }
  nn::Model model = load_model_file(f.model);
  Context ctx(context_options(f.context));

  std::vector<float> pixels;
  std::int64_t rows = 0, cols = 0;
  std::optional<std::int32_t> truth;
  std::vector<std::string> names;
  std::string source;
  if (f.index) {
    const DataChoice choice = parse_data_choice(f.data);
    LoadedData data = load_data(choice, /*with_train=*/false);
    fit_data_to_model(data, model, f.model);
    if (*f.index < 0 || *f.index >= data.test.samples) {
      throw UsageError(fmt::format("--index {}: the {} test set has samples 0 to {}", *f.index, choice.name,
                                   data.test.samples - 1));
    }
    const float* x = data.test.sample(*f.index);
    pixels.assign(x, x + data.test.features);
    rows = data.rows > 0 ? data.rows : 1;
    cols = data.rows > 0 ? data.cols : data.test.features;
    truth = data.test.labels[static_cast<std::size_t>(*f.index)];
    names = data.class_names;
    source = fmt::format("{} test sample {}", choice.name, *f.index);
  } else {
    GrayImage img = read_pgm(f.image);
    if (img.width * img.height != model.inputs()) {
      throw UsageError(fmt::format("{}: a {}x{} image has {} pixels, the model takes {} inputs", f.image, img.width,
                                   img.height, img.width * img.height, model.inputs()));
    }
    rows = img.height;
    cols = img.width;
    const bool flip = f.invert == "always" || (f.invert == "auto" && light_background(img.pixels, rows, cols));
    if (flip) {
      for (float& v : img.pixels) v = 1.0f - v;
    }
    pixels = std::move(img.pixels);
    source = f.image + (flip ? " (inverted: light background)" : "");
  }

  const std::int64_t classes = model.outputs();
  std::vector<float> probabilities(static_cast<std::size_t>(classes));
  nn::predict(ctx, model, dense(pixels.data(), 1, model.inputs()), dense(probabilities.data(), 1, classes));
  const auto best = static_cast<std::int32_t>(std::max_element(probabilities.begin(), probabilities.end()) -
                                              probabilities.begin());
  auto name_of = [&](std::int32_t c) {
    return static_cast<std::size_t>(c) < names.size() ? fmt::format("{} ({})", c, names[static_cast<std::size_t>(c)])
                                                      : std::to_string(c);
  };

  fmt::print("{}\n{}\n", source, draw(pixels, rows, cols));
  constexpr int kBarWidth = 40;
  for (std::int32_t c = 0; c < classes; ++c) {
    const float p = probabilities[static_cast<std::size_t>(c)];
    const int bar = static_cast<int>(std::lround(p * kBarWidth));
    fmt::print("{:>3} {:>7}  {}{}\n", c, percent(p), std::string(static_cast<std::size_t>(bar), '#'),
               c == best ? "  <" : "");
  }
  fmt::print("\nprediction: {} ({})", name_of(best), percent(probabilities[static_cast<std::size_t>(best)]));
  if (truth) fmt::print(", true label: {}{}", name_of(*truth), *truth == best ? "" : "  (wrong)");
  fmt::print("\n");
  return 0;
}

}  // namespace

Runner add_predict_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("predict", "classify one image (a 28x28 PGM, or a test-set sample) and draw it");
  auto flags = std::make_shared<PredictFlags>();
  cmd->add_option("--model", flags->model, "a model or checkpoint saved by `trenchcoat train`")->required();
  cmd->add_option("image", flags->image, "a PGM image (P2 or P5) of the model's input size");
  cmd->add_option("--index", flags->index, "a sample of the test set instead of an image");
  cmd->add_option("--data", flags->data, "the test set --index refers to (default: mnist)");
  cmd->add_option("--invert", flags->invert,
                  "auto (default: invert images with a light background, as MNIST digits are light on black), "
                  "always or never");
  add_context_flags(*cmd, flags->context);
  return [flags] { return run_predict(*flags); };
}

}  // namespace trenchcoat::cli
