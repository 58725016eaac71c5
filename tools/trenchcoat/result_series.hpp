#pragma once
// The measurements in a result file, as named series of samples, so that
// `trenchcoat compare BEFORE.json AFTER.json` can put any two results side by side.
// Understood: our own JSON (trenchcoat-train-1, -compare-1, -scaling-1, -peak-1; the
// PyTorch baseline writes trenchcoat-train-1 too) and Google Benchmark's --benchmark_out.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trenchcoat::cli {

struct Series {
  std::string name;   // "epoch seconds", "gemm/avx512/256x256x256", "threads:2"
  std::string unit;   // "s", "GFLOP/s", "fraction"
  bool lower_is_better = true;  // times; false for rates and accuracies
  std::vector<double> samples;
};

// Throws UsageError (exit status 2) naming the file when it cannot be read, is not
// JSON, or is none of the kinds above.
std::vector<Series> read_result_series(const std::filesystem::path& path);

// The same from a parsed document; `what` names it in errors.
std::vector<Series> result_series(const nlohmann::json& doc, const std::string& what);

}  // namespace trenchcoat::cli
