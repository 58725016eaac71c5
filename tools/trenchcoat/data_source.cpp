#include "data_source.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include "cli_common.hpp"
#include "trenchcoat/nn/idx_dataset.hpp"
#include "trenchcoat/nn/synthetic.hpp"

extern char** environ;

namespace trenchcoat::cli {
namespace {

// Labels of the idx files are bytes: 256 classes cover any of them until the real
// count is known.
constexpr std::int32_t kAnyByteLabel = 256;

std::filesystem::path env_path(const char* variable) {
  // getenv races only with a concurrent setenv/putenv, and the CLI never modifies its
  // environment.
  const char* v = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe): see above
  return v != nullptr && *v != '\0' ? std::filesystem::path(v) : std::filesystem::path();
}

bool has_idx_files(const std::filesystem::path& dir) {
  for (std::string_view f : {nn::kIdxTrainImages, nn::kIdxTrainLabels, nn::kIdxTestImages, nn::kIdxTestLabels}) {
    try {
      nn::find_idx_file(dir, f);
    } catch (const nn::IdxError&) {
      return false;
    }
  }
  return true;
}

// Runs tools/setup/fetch-mnist.sh DIR from the source tree this binary was built from.
void fetch_mnist(const std::filesystem::path& dir) {
  const std::filesystem::path script = std::filesystem::path(TRENCHCOAT_SOURCE_DIR) / "tools/setup/fetch-mnist.sh";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(script, ec)) {
    throw std::runtime_error("MNIST is not in " + dir.string() + " and " + script.string() +
                             " is not there to fetch it: put the four idx files there, or pass --data DIR");
  }
  fmt::print(stderr, "MNIST is not in {}: fetching it with {}\n", dir.string(), script.string());
  std::fflush(stderr);
  std::string bash = "bash", script_arg = script.string(), dir_arg = dir.string();
  char* argv[] = {bash.data(), script_arg.data(), dir_arg.data(), nullptr};
  pid_t pid = 0;
  if (const int rc = posix_spawnp(&pid, "bash", nullptr, nullptr, argv, environ); rc != 0) {
    throw std::runtime_error("cannot run " + script.string() + ": " + std::generic_category().message(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waiting for " + script.string() + " failed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("fetching MNIST failed (" + script.string() + " exited with status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")");
  }
}

std::int32_t max_label(const nn::Dataset& d) {
  std::int32_t m = 0;
  for (std::int32_t l : d.labels) m = std::max(m, l);
  return m;
}

void load_folder(const std::filesystem::path& dir, bool with_train, std::int32_t classes, LoadedData& out) {
  if (with_train) {
    nn::ImageDatasets sets = nn::load_idx_folder(dir, classes);
    out.train = std::move(sets.train);
    out.test = std::move(sets.test);
    out.rows = sets.rows;
    out.cols = sets.cols;
  } else {
    out.test = nn::load_idx_test_set(dir, classes);
    out.cols = out.test.features;
    out.rows = 1;
    // Image shape for drawing: square images are the common case.
    for (std::int64_t r = 1; r * r <= out.test.features; ++r) {
      if (r * r == out.test.features) out.rows = out.cols = r;
    }
  }
}

}  // namespace

DataChoice parse_data_choice(std::string_view arg) {
  if (arg == "mnist") return {DataKind::mnist, "mnist", default_mnist_dir()};
  if (arg == "fashion-mnist" || arg == "fashion_mnist") {
    return {DataKind::fashion_mnist, "fashion-mnist", default_fashion_mnist_dir()};
  }
  if (arg == "xor") return {DataKind::xor_table, "xor", {}};
  if (arg.empty()) throw UsageError("--data: empty (expected mnist, fashion-mnist, xor or a directory)");
  return {DataKind::folder, std::string(arg), std::filesystem::path(arg)};
}

std::filesystem::path default_mnist_dir() {
  const std::filesystem::path root = env_path("TRENCHCOAT_DATA_DIR");
  return (root.empty() ? std::filesystem::path(TRENCHCOAT_SOURCE_DIR) / "data" : root) / "mnist";
}

std::filesystem::path default_fashion_mnist_dir() {
  const std::filesystem::path dir = env_path("TRENCHCOAT_FASHION_MNIST_DIR");
  return dir.empty() ? std::filesystem::path("/usr/share/datasets/fashion-mnist") : dir;
}

LoadedData load_data(const DataChoice& choice, bool with_train) {
  LoadedData out;
  std::error_code ec;
  switch (choice.kind) {
    case DataKind::xor_table: {
      const auto t0 = std::chrono::steady_clock::now();
      out.test = nn::make_xor();
      if (with_train) out.train = out.test;
      out.classes = 2;
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
    case DataKind::mnist:
      if (!has_idx_files(choice.dir)) fetch_mnist(choice.dir);
      break;
    case DataKind::fashion_mnist:
      if (!has_idx_files(choice.dir)) {
        throw std::runtime_error("Fashion-MNIST is not in " + choice.dir.string() +
                                 ": install it with `sudo apt-get install dataset-fashion-mnist`");
      }
      break;
    case DataKind::folder:
      if (!std::filesystem::is_directory(choice.dir, ec)) {
        throw UsageError("--data " + choice.name + ": not mnist, fashion-mnist, xor or an existing directory");
      }
      break;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const bool named = choice.kind != DataKind::folder;
  load_folder(choice.dir, with_train, named ? 10 : kAnyByteLabel, out);
  if (named) {
    out.classes = 10;
  } else {
    out.classes = std::max(2, std::max(with_train ? max_label(out.train) : 0, max_label(out.test)) + 1);
    out.test.classes = out.classes;
    if (with_train) out.train.classes = out.classes;
  }
  if (choice.kind == DataKind::fashion_mnist) {
    out.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void set_classes(LoadedData& data, std::int32_t classes, std::string_view what) {
  const std::int32_t largest = std::max(data.train.samples > 0 ? max_label(data.train) : 0, max_label(data.test));
  if (classes <= largest) {
    throw UsageError(fmt::format("{} has {} outputs, but the data has labels up to {}", what, classes, largest));
  }
  data.classes = classes;
  data.test.classes = classes;
  if (data.train.samples > 0) data.train.classes = classes;
}

}  // namespace trenchcoat::cli
