#pragma once
// One forward and backward pass over a block of rows, with every buffer it needs
// allocated once for up to `max_rows` rows. The trainer keeps one per shard of the
// mini-batch (data-parallel) or one for the whole batch (op-parallel); evaluation
// uses them forward-only, one per thread.
//
//   BatchPass pass(model.spec(), 32);
//   Batch b = pass.gather(data, indices);                  // rows of the dataset
//   pass.forward(ctx, model, b.x);                         // keeps what backward needs
//   double loss_sum = pass.loss(ctx, model, b.targets, 1.0f / batch_total);
//   pass.backward(ctx, model, gradients);                  // every dW and db
//
// forward() keeps each layer output that backward() reads and nothing else: a Dense
// followed by ReLU runs as one GEMM with the bias + ReLU epilogue; activations whose
// derivative needs only their output (and whose input nobody else reads) run in
// place. backward() walks the layers in reverse and never computes the input
// gradient of the first layer that has parameters (nobody needs it). None of them
// allocates.

#include <cstdint>
#include <span>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/matrix.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/float_buffer.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/step_profile.hpp"

namespace trenchcoat::nn {

// What the head compares the output with.
struct BatchTargets {
  std::span<const std::int32_t> labels;  // softmax_cross_entropy: one per row
  ConstMatrixView values;                // mse: rows x outputs
};

struct Batch {
  ConstMatrixView x;  // rows x inputs
  BatchTargets targets;
};

// The factor that turns a batch's summed head loss into its mean: 1/rows for
// cross-entropy (mean over samples), 1/(rows * outputs) for MSE (mean over elements,
// as PyTorch's MSELoss). A data-parallel shard passes the factor of the WHOLE batch.
double mean_loss_scale(Head head, std::int64_t batch_rows, std::int64_t outputs) noexcept;

// Asks the memory system for the dataset rows `indices` (each < data.samples) ahead
// of a later gather: it returns at once, and the rows arrive in the cache while the
// caller works on something else.
// from_bytes: the rows of data.x_bytes instead of data.x (as gather_rows()).
void prefetch_rows(const Dataset& data, std::span<const std::int64_t> indices, bool from_bytes = false) noexcept;

// Bytes a gather of `rows` rows of `data` reads and writes (for profiles).
double gather_bytes(const Dataset& data, std::int64_t rows, bool from_bytes = false) noexcept;

// Throws std::invalid_argument unless `data` fits a model of `spec`: features ==
// inputs, and labels with classes == outputs for cross-entropy, or targets of width
// outputs for MSE, with storage of the sizes the dataset claims.
void check_dataset_fits(const ModelSpec& spec, const Dataset& data);

// The rows of `outputs` whose arg-max (first maximum) equals the label.
std::int64_t count_correct(ConstMatrixView outputs, std::span<const std::int32_t> labels) noexcept;

class BatchPass {
 public:
  BatchPass(ModelSpec spec, std::int64_t max_rows);

  std::int64_t max_rows() const noexcept { return max_rows_; }

  // Copies the dataset rows `indices` (each < data.samples; at most max_rows of
  // them) into this pass's own buffers and returns views of them.
  Batch gather(const Dataset& data, std::span<const std::int64_t> indices);
  // The same in two parts, so threads can copy disjoint row ranges [first, last) of
  // one batch concurrently: gather_rows() for each range, then gathered().
  // from_bytes: decode the rows from data.x_bytes, which the caller has checked
  // (Dataset::check_bytes()): the same floats for a quarter of the reads.
  void gather_rows(const Dataset& data, std::span<const std::int64_t> indices, std::int64_t first,
                   std::int64_t last, bool from_bytes = false) noexcept;
  Batch gathered(const Dataset& data, std::int64_t rows) const;
  // check_dataset_fits(spec, data) for this pass's model.
  void check_dataset(const Dataset& data) const;

  // Runs every layer on x (rows x inputs, 1 <= rows <= max_rows). x must stay
  // unchanged until backward(). Returns the last layer's output (rows x outputs).
  ConstMatrixView forward(Context& ctx, const Model& model, ConstMatrixView x);

  // The head's loss SUMMED over the rows of the last forward(); with a non-zero
  // grad_scale it also stores d(loss * grad_scale)/d(output) for backward().
  double loss(Context& ctx, const Model& model, const BatchTargets& targets, float grad_scale);

  // Every parameter gradient of the last forward()/loss() into `grads` (a buffer of
  // the model's layout; padding is left untouched, so it stays zero).
  void backward(Context& ctx, const Model& model, std::span<float> grads);

  // The same walk without the parameter gradients: it leaves the gradient with
  // respect to every Dense layer's output, for a caller that computes the weight
  // gradients itself (the data-parallel trainer, block by block).
  void backward_data(Context& ctx, const Model& model);
  // Dense layer d's input in the last forward() (rows x in), and after backward()
  // or backward_data() the gradient with respect to its output (rows x out).
  ConstMatrixView dense_input(std::size_t d) const;
  ConstMatrixView dense_output_grad(std::size_t d) const;
  std::size_t dense_count() const noexcept { return dense_layers_.size(); }

  ConstMatrixView output() const noexcept { return output_; }

  // Times every kernel call of gather/forward/loss/backward into `p` (nullptr: off).
  void set_profiler(StepProfiler* p) noexcept { profiler_ = p; }
  StepProfiler* profiler() const noexcept { return profiler_; }

  // How forward() placed layer i's output, for tests and for the curious.
  struct LayerPlan {
    int input = -1;          // buffer read (-1: the caller's x)
    int output = -1;         // buffer written
    bool fused = false;      // activation applied by the previous Dense's GEMM epilogue
    bool fuse_next = false;  // dense: its GEMM applies the next layer's ReLU
    bool input_grad = false; // backward computes the gradient w.r.t. this layer's input
    std::ptrdiff_t dense = -1;
  };
  std::span<const LayerPlan> plan() const noexcept { return plan_; }

 private:
  void walk_back(Context& ctx, const Model& model, std::span<float> grads);
  MatrixView buffer(int index, std::int64_t rows, std::int64_t cols);
  ConstMatrixView value(int index, std::int64_t rows, std::int64_t cols) const;
  void check_model(const Model& model) const;

  ModelSpec spec_;
  std::int64_t max_rows_;
  std::int64_t buffer_size_ = 0;       // of the model's parameter layout
  std::vector<LayerPlan> plan_;
  std::vector<std::int64_t> widths_;   // per buffer
  std::vector<FloatBuffer> buffers_;   // layer outputs
  std::vector<FloatBuffer> dense_grads_;     // per Dense layer: d(loss)/d(its output)
  std::vector<std::size_t> dense_layers_;    // per Dense layer: its index in spec_.layers
  std::vector<int> owner_;                   // per layer: the Dense layer at or before it (-1: none)
  StepProfiler* profiler_ = nullptr;
  FloatBuffer gathered_x_;        // max_rows x inputs
  FloatBuffer gathered_targets_;  // max_rows x outputs (MSE head)
  std::vector<std::int32_t> gathered_labels_;
  ConstMatrixView x_;                  // the last forward's input
  ConstMatrixView output_;
  std::int64_t rows_ = 0;
  bool has_output_grad_ = false;       // loss() stored d(loss)/d(output)
};

}  // namespace trenchcoat::nn
