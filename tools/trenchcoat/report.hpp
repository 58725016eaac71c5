#pragma once
// Pieces of the JSON results and text reports that `train` and `eval` share: the
// machine description, a confusion matrix, percentages.

#include <string>

#include <nlohmann/json.hpp>

#include "confusion.hpp"
#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::cli {

// {"cpu": model name, "best_isa": ..., "isa": the Context's, "gemm_variant": ..., "threads": ...,
//  "cores": ..., "compiler": "GNU 12.2.0", "flags": the build's compile flags}
nlohmann::ordered_json machine_json(const Context& ctx);

// The current time as ISO 8601 UTC, "2026-11-27T22:30:00Z", for "created" fields.
std::string utc_timestamp();

// {"classes": n, "matrix": [[...]] (rows: true class), "class_accuracy": [...]}
nlohmann::ordered_json confusion_json(const Confusion& c);

// "98.12%"
std::string percent(double fraction);

}  // namespace trenchcoat::cli
