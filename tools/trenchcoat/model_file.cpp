#include "model_file.hpp"

#include <fmt/format.h>

#include <system_error>

#include "cli_common.hpp"
#include "trenchcoat/nn/checkpoint.hpp"

namespace trenchcoat::cli {

nn::Model load_model_file(const std::string& path) {
  if (path.empty()) throw UsageError("--model: empty path");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw UsageError("--model " + path + (std::filesystem::exists(path, ec) ? ": not a regular file" : ": no such file"));
  }
  return nn::model_from_checkpoint(nn::load_checkpoint(path));
}

void fit_data_to_model(LoadedData& data, const nn::Model& model, const std::string& model_path) {
  if (model.spec().head != nn::Head::softmax_cross_entropy) {
    throw UsageError("--model " + model_path + ": a regression model (" + model.spec().describe() +
                     "); eval and predict need a classifier");
  }
  if (model.inputs() != data.test.features) {
    throw UsageError(fmt::format("--model {}: the model takes {} inputs, the data has {} features per sample",
                                 model_path, model.inputs(), data.test.features));
  }
  set_classes(data, static_cast<std::int32_t>(model.outputs()), "--model " + model_path);
}

}  // namespace trenchcoat::cli
