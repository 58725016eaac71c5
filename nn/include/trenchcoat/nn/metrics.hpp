#pragma once
// What training and evaluation report, as plain structs with a JSON form (for the
// CLI's --json report and for scripts). Field names in JSON equal the member names;
// a NaN (e.g. accuracy of a regression) is written as null.

#include <cstdint>
#include <limits>
#include <string>

namespace trenchcoat::nn {

struct EpochMetrics {
  std::int64_t epoch = 0;        // 0-based epoch these numbers describe
  std::int64_t steps = 0;        // optimizer steps taken by this call
  std::int64_t samples = 0;      // samples of the epoch seen so far (the whole epoch when complete)
  double loss = std::numeric_limits<double>::quiet_NaN();      // mean training loss over them
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // fraction correct (classification), measured
                                                               // on each batch before its update
  double learning_rate = 0.0;    // of the last step
  double seconds = 0.0;          // wall time of this call
  bool complete = false;         // the epoch's last batch was trained on
  bool stopped = false;          // the step callback asked to stop (possibly on the last batch)
};

struct EvalMetrics {
  std::int64_t samples = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();      // mean loss (as in training)
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // fraction correct; NaN for regression
};

std::string to_json(const EpochMetrics& m);
std::string to_json(const EvalMetrics& m);

}  // namespace trenchcoat::nn
