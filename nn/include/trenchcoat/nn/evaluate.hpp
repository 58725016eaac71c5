#pragma once
// Forward-only use of a model: its loss and accuracy on a dataset, and predictions.
// Rows are processed in fixed chunks spread over the Context's threads, and the
// chunks' loss sums are added in chunk order, so results do not depend on the
// thread count.

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/matrix.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/metrics.hpp"
#include "trenchcoat/nn/model.hpp"

namespace trenchcoat::nn {

// Mean loss (as the trainer defines it) and, for a classifier, the fraction of
// samples whose arg-max output equals the label. When `predictions` is non-empty it
// must hold data.samples entries and receives each sample's arg-max class (for a
// confusion matrix). Throws std::invalid_argument when the dataset does not fit.
EvalMetrics evaluate(Context& ctx, const Model& model, const Dataset& data,
                     std::span<std::int32_t> predictions = {});

// outputs (rows x model.outputs()) for inputs (rows x model.inputs()): class
// probabilities (softmax of the logits) for a classifier, the raw outputs for a
// regression model.
void predict(Context& ctx, const Model& model, ConstMatrixView inputs, MatrixView outputs);

}  // namespace trenchcoat::nn
