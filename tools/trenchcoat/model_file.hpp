#pragma once
// The model file that `eval` and `predict` read (any checkpoint `train` saved), and
// the check that it fits the data it is used on.

#include <filesystem>
#include <string>

#include "data_source.hpp"
#include "trenchcoat/nn/model.hpp"

namespace trenchcoat::cli {

// A missing path is a UsageError; a file that is not a valid checkpoint throws
// nn::CheckpointError (a runtime error naming the file).
nn::Model load_model_file(const std::string& path);

// Throws UsageError unless the model takes data.test's features and its outputs can
// hold every label; then labels the data with the model's classes.
void fit_data_to_model(LoadedData& data, const nn::Model& model, const std::string& model_path);

}  // namespace trenchcoat::cli
