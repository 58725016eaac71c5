#include "trenchcoat/nn/evaluate.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel.hpp"
#include "trenchcoat/kernels/softmax.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/sharding.hpp"
#include "worker_contexts.hpp"

namespace trenchcoat::nn {
namespace {

// Rows per chunk: a multiple of the shard size, large enough that the GEMMs run
// near full speed, small enough that a test set splits into many chunks.
constexpr std::int64_t kChunkRows = 8 * kShardRows;

ConstMatrixView rows_of(ConstMatrixView m, std::int64_t begin, std::int64_t end) {
  return ConstMatrixView{m.row(begin), end - begin, m.cols, m.stride};
}

// Runs f(worker, pass, begin, end) for every chunk of `rows` rows, on ctx's threads.
template <class F>
void for_each_chunk(Context& ctx, const Model& model, std::int64_t rows, const F& f) {
  detail::WorkerContexts workers(ctx);
  std::vector<BatchPass> passes;
  passes.reserve(static_cast<std::size_t>(workers.size()));
  const std::int64_t chunk_rows = std::min(kChunkRows, rows);
  for (int i = 0; i < workers.size(); ++i) passes.emplace_back(model.spec(), chunk_rows);
  const std::int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  ctx.run([&] {
    detail::for_each_task(ctx, chunks, [&](std::int64_t c) {
      const int slot = ctx.current_slot();
      f(workers.at(slot), passes[static_cast<std::size_t>(slot)], c, c * kChunkRows,
        std::min(rows, (c + 1) * kChunkRows));
    });
  });
}

}  // namespace

EvalMetrics evaluate(Context& ctx, const Model& model, const Dataset& data, std::span<std::int32_t> predictions) {
  if (data.samples < 1) throw std::invalid_argument("evaluate: the dataset is empty");
  check_dataset_fits(model.spec(), data);
  const bool classify = data.is_classification();
  if (!predictions.empty() && (!classify || static_cast<std::int64_t>(predictions.size()) != data.samples)) {
    throw std::invalid_argument("evaluate: predictions need a classifier and one entry per sample (" +
                                std::to_string(data.samples) + "), not " + std::to_string(predictions.size()));
  }
  const std::int64_t chunks = (data.samples + kChunkRows - 1) / kChunkRows;
  std::vector<double> loss(static_cast<std::size_t>(chunks));
  std::vector<std::int64_t> correct(static_cast<std::size_t>(chunks));
  for_each_chunk(ctx, model, data.samples,
                 [&](Context& worker, BatchPass& pass, std::int64_t c, std::int64_t begin, std::int64_t end) {
                   BatchTargets t;
                   if (classify) {
                     t.labels = std::span<const std::int32_t>(data.labels).subspan(
                         static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
                   } else {
                     t.values = rows_of(data.target_matrix(), begin, end);
                   }
                   const ConstMatrixView out = pass.forward(worker, model, rows_of(data.inputs(), begin, end));
                   loss[static_cast<std::size_t>(c)] = pass.loss(worker, model, t, 0.0f);
                   if (!classify) return;
                   correct[static_cast<std::size_t>(c)] = count_correct(out, t.labels);
                   if (predictions.empty()) return;
                   for (std::int64_t r = 0; r < out.rows; ++r) {
                     const float* row = out.row(r);
                     predictions[static_cast<std::size_t>(begin + r)] =
                         static_cast<std::int32_t>(std::max_element(row, row + out.cols) - row);
                   }
                 });
  EvalMetrics m;
  m.samples = data.samples;
  double sum = 0.0;
  std::int64_t right = 0;
  for (std::int64_t c = 0; c < chunks; ++c) {
    sum += loss[static_cast<std::size_t>(c)];
    right += correct[static_cast<std::size_t>(c)];
  }
  m.loss = sum * mean_loss_scale(model.spec().head, data.samples, model.outputs());
  m.accuracy = classify ? static_cast<double>(right) / static_cast<double>(data.samples)
                        : std::numeric_limits<double>::quiet_NaN();
  return m;
}

void predict(Context& ctx, const Model& model, ConstMatrixView inputs, MatrixView outputs) {
  if (inputs.cols != model.inputs() || outputs.rows != inputs.rows || outputs.cols != model.outputs() ||
      inputs.rows < 1) {
    throw std::invalid_argument("predict: inputs " + std::to_string(inputs.rows) + " x " +
                                std::to_string(inputs.cols) + " and outputs " + std::to_string(outputs.rows) + " x " +
                                std::to_string(outputs.cols) + " do not fit the model " + model.spec().describe());
  }
  const bool classify = model.spec().head == Head::softmax_cross_entropy;
  for_each_chunk(ctx, model, inputs.rows,
                 [&](Context& worker, BatchPass& pass, std::int64_t, std::int64_t begin, std::int64_t end) {
                   const ConstMatrixView out = pass.forward(worker, model, rows_of(inputs, begin, end));
                   const MatrixView dst{outputs.row(begin), end - begin, outputs.cols, outputs.stride};
                   if (classify) {
                     softmax(worker, out, dst);
                   } else {
                     for (std::int64_t r = 0; r < out.rows; ++r) std::copy_n(out.row(r), out.cols, dst.row(r));
                   }
                 });
}

}  // namespace trenchcoat::nn
