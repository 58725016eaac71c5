// End to end on the real MNIST: one epoch of `trenchcoat train` reaches at least 95%
// test accuracy. tools/test.sh fetches the data first and sets
// TRENCHCOAT_REQUIRE_DATA=1, so there a missing data set fails this test; a plain
// ctest without the data skips it, saying why.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_process.hpp"

namespace {

namespace fs = std::filesystem;

// getenv races only with a concurrent setenv, and this test sets no variable: the
// NOLINTs below (concurrency-mt-unsafe) rest on that.
fs::path mnist_dir() {
  const char* root = std::getenv("TRENCHCOAT_DATA_DIR");  // NOLINT(concurrency-mt-unsafe): see above
  return (root != nullptr && *root != '\0' ? fs::path(root) : fs::path(TRENCHCOAT_SOURCE_DIR) / "data") / "mnist";
}

TEST(MnistEndToEnd, OneEpochReaches95Percent) {
  const fs::path dir = mnist_dir();
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                        "t10k-labels-idx1-ubyte"}) {
    if (!fs::exists(dir / f) && !fs::exists(dir / (std::string(f) + ".gz"))) {
      const char* require = std::getenv("TRENCHCOAT_REQUIRE_DATA");  // NOLINT(concurrency-mt-unsafe): see above
      const std::string why = "MNIST is not in " + dir.string() + " (missing " + f +
                              "); run tools/setup/fetch-mnist.sh (tools/test.sh does)";
      if (require != nullptr && std::string(require) == "1") FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  const fs::path scratch = fs::temp_directory_path() / ("tc_mnist_e2e_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const trenchcoat::testing::ProcessResult r = trenchcoat::testing::run_process(
      {TRENCHCOAT_BINARY, "train", "--epochs", "1", "--no-save", "--json", (scratch / "run.json").string()},
      {{"TRENCHCOAT_DATA_DIR", dir.parent_path().string()}}, scratch);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(trenchcoat::testing::read_text(scratch / "run.json"));
  fs::remove_all(scratch);
  EXPECT_EQ(j["configuration"]["train_samples"], 60000);
  EXPECT_EQ(j["configuration"]["test_samples"], 10000);
  EXPECT_GE(j["final"]["test_accuracy"].get<double>(), 0.95) << r.out;
  std::printf("one MNIST epoch: test accuracy %.4f, %.3f s of training, %.3f s loading\n",
              j["final"]["test_accuracy"].get<double>(), j["final"]["train_seconds"].get<double>(),
              j["final"]["data_seconds"].get<double>());
}

}  // namespace
