#include "trenchcoat/nn/batch_pass.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/kernels/loss.hpp"
#include "byte_features.hpp"

namespace trenchcoat::nn {
namespace {

bool is_activation(const LayerSpec& l, Activation a) {
  return l.kind == LayerKind::activation && l.activation.kind == a;
}

// A rows x cols block of a dense buffer as one flat span (the element-wise kernels'
// operand shape). Layer buffers are dense; the caller's x may not be.
std::span<const float> flat(ConstMatrixView m) {
  return {m.data, static_cast<std::size_t>(m.rows * m.cols)};
}
std::span<float> flat(MatrixView m) { return {m.data, static_cast<std::size_t>(m.rows * m.cols)}; }

double gemm_flops(std::int64_t m, std::int64_t n, std::int64_t k) {
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

}  // namespace

double mean_loss_scale(Head head, std::int64_t batch_rows, std::int64_t outputs) noexcept {
  const auto rows = static_cast<double>(batch_rows);
  return head == Head::mse ? 1.0 / (rows * static_cast<double>(outputs)) : 1.0 / rows;
}

std::int64_t count_correct(ConstMatrixView outputs, std::span<const std::int32_t> labels) noexcept {
  std::int64_t correct = 0;
  for (std::int64_t r = 0; r < outputs.rows; ++r) {
    const float* row = outputs.row(r);
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < outputs.cols; ++c) {
      if (row[c] > row[best]) best = c;
    }
    correct += best == labels[static_cast<std::size_t>(r)] ? 1 : 0;
  }
  return correct;
}

BatchPass::BatchPass(ModelSpec spec, std::int64_t max_rows) : spec_(std::move(spec)), max_rows_(max_rows) {
  spec_.validate();
  if (max_rows < 1) throw std::invalid_argument("BatchPass: max_rows must be at least 1, not " + std::to_string(max_rows));
  const ParameterLayout layout(spec_);
  buffer_size_ = layout.buffer_size();
  const std::size_t n = spec_.layers.size();
  plan_.resize(n);

  // `current` is the buffer holding the running value (-1: the caller's x, never
  // written). It is `pinned` while some layer's backward will read it: an
  // activation whose derivative needs its output, or a fused ReLU (its derivative
  // reads the output in place of the pre-activation that was never stored).
  // Identity layers pass the value and its pin through. A Dense layer reads its
  // input in backward too, but it writes a new buffer, so nothing ever overwrites
  // that input.
  bool dense_seen = false;
  int current = -1;
  bool pinned = false;
  for (std::size_t i = 0; i < n; ++i) {
    const LayerSpec& l = spec_.layers[i];
    LayerPlan& p = plan_[i];
    p.input = current;
    p.input_grad = dense_seen;
    p.dense = layout.dense_index(i);
    const std::int64_t width = spec_.width_after(static_cast<std::ptrdiff_t>(i));
    auto new_buffer = [&] {
      widths_.push_back(width);
      return static_cast<int>(widths_.size()) - 1;
    };
    if (l.kind == LayerKind::dense) {
      dense_seen = true;
      p.fuse_next = i + 1 < n && is_activation(spec_.layers[i + 1], Activation::relu);
      p.output = new_buffer();
      pinned = false;
    } else if (i > 0 && plan_[i - 1].fuse_next) {
      p.fused = true;
      p.output = current;
      pinned = true;
    } else if (l.activation.kind == Activation::identity) {
      p.output = current;
    } else {
      const BackwardInput needs = backward_input(l.activation.kind);
      const bool in_place = current >= 0 && needs != BackwardInput::input && !pinned;
      p.output = in_place ? current : new_buffer();
      pinned = needs == BackwardInput::output;
    }
    current = p.output;
  }

  owner_.resize(n);
  int owner = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (plan_[i].dense >= 0) owner = static_cast<int>(plan_[i].dense);
    owner_[i] = owner;
  }

  for (std::int64_t w : widths_) buffers_.emplace_back(static_cast<std::size_t>(w * max_rows));
  // One gradient buffer per Dense layer, for the gradient with respect to its output
  // (activations above it update that buffer in place on the way down). Keeping each
  // instead of reusing two lets backward_data() leave all of them for the caller.
  for (const DenseSlot& d : layout.dense()) dense_grads_.emplace_back(static_cast<std::size_t>(d.out * max_rows));
  dense_layers_.reserve(layout.dense().size());
  for (const DenseSlot& d : layout.dense()) dense_layers_.push_back(d.layer);
  gathered_x_ = FloatBuffer(static_cast<std::size_t>(spec_.inputs * max_rows));
  if (spec_.head == Head::softmax_cross_entropy) {
    gathered_labels_.resize(static_cast<std::size_t>(max_rows));
  } else {
    gathered_targets_ = FloatBuffer(static_cast<std::size_t>(spec_.outputs() * max_rows));
  }
}

MatrixView BatchPass::buffer(int index, std::int64_t rows, std::int64_t cols) {
  return dense(buffers_[static_cast<std::size_t>(index)].data(), rows, cols);
}

ConstMatrixView BatchPass::value(int index, std::int64_t rows, std::int64_t cols) const {
  if (index < 0) return x_;
  return dense(buffers_[static_cast<std::size_t>(index)].data(), rows, cols);
}

void BatchPass::check_model(const Model& model) const {
  // A cheap identity check: the same layer count and parameter buffer size. (The
  // full spec comparison is done by the trainer once, not on every call.)
  if (model.spec().layers.size() != spec_.layers.size() ||
      model.layout().buffer_size() != buffer_size_) {
    throw std::invalid_argument("BatchPass was built for " + spec_.describe() + ", not for " +
                                model.spec().describe());
  }
}

void BatchPass::check_dataset(const Dataset& data) const { check_dataset_fits(spec_, data); }

void check_dataset_fits(const ModelSpec& spec, const Dataset& data) {
  // The description is built only for a message: the success path allocates nothing.
  auto model = [&] { return "the model " + spec.describe(); };
  if (data.features != spec.inputs) {
    throw std::invalid_argument("the dataset has " + std::to_string(data.features) + " features but " + model() +
                                " takes " + std::to_string(spec.inputs) + " inputs");
  }
  if (spec.head == Head::softmax_cross_entropy) {
    if (!data.is_classification()) {
      throw std::invalid_argument("the dataset has regression targets but " + model() + " classifies");
    }
    if (data.classes != spec.outputs()) {
      throw std::invalid_argument("the dataset has " + std::to_string(data.classes) + " classes but " + model() +
                                  " has " + std::to_string(spec.outputs()) + " outputs");
    }
    if (data.labels.size() != static_cast<std::size_t>(data.samples)) {
      throw std::invalid_argument("the dataset has " + std::to_string(data.labels.size()) + " labels for " +
                                  std::to_string(data.samples) + " samples");
    }
  } else {
    if (data.is_classification() || data.target_width != spec.outputs()) {
      throw std::invalid_argument("the dataset's targets are " + std::to_string(data.target_width) +
                                  " wide but " + model() + " predicts " + std::to_string(spec.outputs()) + " values");
    }
    std::int64_t targets = 0;  // checked: a hand-made size must not wrap around to match
    if (__builtin_mul_overflow(data.samples, data.target_width, &targets) ||
        data.targets.size() != static_cast<std::size_t>(targets)) {
      throw std::invalid_argument("the dataset's target matrix does not hold samples x target_width floats");
    }
  }
  std::int64_t features = 0;
  if (__builtin_mul_overflow(data.samples, data.features, &features) ||
      data.x.size() != static_cast<std::size_t>(features)) {
    throw std::invalid_argument("the dataset's feature matrix does not hold samples x features floats");
  }
}

double gather_bytes(const Dataset& data, std::int64_t rows, bool from_bytes) noexcept {
  // Read from the dataset, written to the batch's floats.
  const double read = from_bytes ? 1.0 : static_cast<double>(sizeof(float));
  return (read + static_cast<double>(sizeof(float))) * static_cast<double>(rows) * static_cast<double>(data.features);
}

namespace {

// Where row `i`'s features start in the form a gather reads, and how long they are.
const char* row_start(const Dataset& data, std::int64_t i, bool from_bytes) noexcept {
  return from_bytes ? reinterpret_cast<const char*>(data.x_bytes.data() + i * data.features)
                    : reinterpret_cast<const char*>(data.sample(i));
}

std::size_t row_bytes(const Dataset& data, bool from_bytes) noexcept {
  return static_cast<std::size_t>(data.features) * (from_bytes ? 1 : sizeof(float));
}

}  // namespace

void prefetch_rows(const Dataset& data, std::span<const std::int64_t> indices, bool from_bytes) noexcept {
  const std::size_t bytes = row_bytes(data, from_bytes);
  for (const std::int64_t i : indices) {
    const char* p = row_start(data, i, from_bytes);
    // Into L2 (locality 2): the rows are needed a whole step later, and should not
    // push the current step's working set out of L1.
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at, 0, 2);
  }
}

void BatchPass::gather_rows(const Dataset& data, std::span<const std::int64_t> indices, std::int64_t first,
                            std::int64_t last, bool from_bytes) noexcept {
  const std::int64_t in = spec_.inputs;
  // Rows sit at random places in a dataset far larger than the caches, so each copy
  // waits on memory. Asking for the rows a few ahead of the one being copied keeps
  // several rows' worth of cache-line misses in flight (about twice as fast as
  // letting the hardware prefetcher discover each row on its own).
  constexpr std::int64_t kAhead = 4;
  const std::size_t bytes = row_bytes(data, from_bytes);
  auto prefetch_row = [&](std::int64_t r) {
    const char* p = row_start(data, indices[static_cast<std::size_t>(r)], from_bytes);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
  };
  for (std::int64_t r = first; r < std::min(last, first + kAhead); ++r) prefetch_row(r);
  for (std::int64_t r = first; r < last; ++r) {
    if (r + kAhead < last) prefetch_row(r + kAhead);
    const std::int64_t src = indices[static_cast<std::size_t>(r)];
    if (from_bytes) {
      detail::decode_bytes(data.x_bytes.data() + src * in, gathered_x_.data() + r * in, in, data.byte_divisor);
    } else {
      std::memcpy(gathered_x_.data() + r * in, data.sample(src), bytes);
    }
    if (data.is_classification()) {
      gathered_labels_[static_cast<std::size_t>(r)] = data.labels[static_cast<std::size_t>(src)];
    } else {
      const std::int64_t w = data.target_width;
      std::memcpy(gathered_targets_.data() + r * w, data.targets.data() + src * w,
                  static_cast<std::size_t>(w) * sizeof(float));
    }
  }
}

Batch BatchPass::gathered(const Dataset& data, std::int64_t rows) const {
  Batch b;
  b.x = dense(gathered_x_.data(), rows, spec_.inputs);
  if (data.is_classification()) {
    b.targets.labels = {gathered_labels_.data(), static_cast<std::size_t>(rows)};
  } else {
    b.targets.values = dense(gathered_targets_.data(), rows, spec_.outputs());
  }
  return b;
}

Batch BatchPass::gather(const Dataset& data, std::span<const std::int64_t> indices) {
  const auto rows = static_cast<std::int64_t>(indices.size());
  if (rows < 1 || rows > max_rows_) {
    throw std::invalid_argument("BatchPass::gather: " + std::to_string(rows) + " rows, expected 1.." +
                                std::to_string(max_rows_));
  }
  check_dataset(data);
  for (std::int64_t i : indices) {
    if (i < 0 || i >= data.samples) {
      throw std::invalid_argument("BatchPass::gather: sample index " + std::to_string(i) + " is outside [0, " +
                                  std::to_string(data.samples) + ")");
    }
  }
  gather_rows(data, indices, 0, rows);
  return gathered(data, rows);
}

ConstMatrixView BatchPass::forward(Context& ctx, const Model& model, ConstMatrixView x) {
  check_model(model);
  if (x.rows < 1 || x.rows > max_rows_ || x.cols != spec_.inputs) {
    throw std::invalid_argument("BatchPass::forward: input is " + std::to_string(x.rows) + " x " +
                                std::to_string(x.cols) + ", expected 1.." + std::to_string(max_rows_) + " rows of " +
                                std::to_string(spec_.inputs));
  }
  const std::int64_t rows = x.rows;
  x_ = x;
  rows_ = rows;
  has_output_grad_ = false;
  ConstMatrixView cur = x;
  for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
    const LayerSpec& l = spec_.layers[i];
    const LayerPlan& p = plan_[i];
    const std::int64_t width = spec_.width_after(static_cast<std::ptrdiff_t>(i));
    if (l.kind == LayerKind::dense) {
      // Y = X W + b (and ReLU when fused): X rows x in, W in x out.
      const ConstDenseParams w = model.dense(static_cast<std::size_t>(p.dense));
      MatrixView y = buffer(p.output, rows, width);
      const ProfileScope timed(profiler_, StepPhase::forward, static_cast<int>(p.dense), gemm_flops(rows, width, cur.cols));
      gemm(ctx, Trans::N, Trans::N, rows, width, cur.cols, 1.0f, cur.data, cur.stride, w.weights.data,
           w.weights.stride, 0.0f, y.data, y.stride,
           GemmEpilogue{w.bias.data(), p.fuse_next ? EpilogueActivation::relu : EpilogueActivation::identity});
      cur = y;
    } else if (p.fused || l.activation.kind == Activation::identity) {
      cur = value(p.output, rows, width);
    } else {
      MatrixView y = buffer(p.output, rows, width);
      const ProfileScope timed(profiler_, StepPhase::activation_forward, owner_[i], 0.0, 8.0 * static_cast<double>(rows * width));
      if (cur.stride == cur.cols) {
        activation_forward(ctx, l.activation, flat(cur), flat(y));
      } else {
        for (std::int64_t r = 0; r < rows; ++r) {
          activation_forward(ctx, l.activation, {cur.row(r), static_cast<std::size_t>(width)},
                             {y.row(r), static_cast<std::size_t>(width)});
        }
      }
      cur = y;
    }
  }
  output_ = cur;
  return output_;
}

double BatchPass::loss(Context& ctx, const Model& model, const BatchTargets& targets, float grad_scale) {
  check_model(model);
  if (rows_ == 0) throw std::logic_error("BatchPass::loss called before forward");
  const bool want_grad = grad_scale != 0.0f;
  // d(loss)/d(output) is the gradient w.r.t. the last Dense layer's output (any
  // activations after it keep its width and are walked through in place).
  MatrixView grad = want_grad ? dense(dense_grads_.back().data(), rows_, output_.cols) : MatrixView{};
  const ProfileScope timed(profiler_, StepPhase::loss, -1, 0.0,
                           (want_grad ? 8.0 : 4.0) * static_cast<double>(rows_ * output_.cols));
  double sum = 0.0;
  if (spec_.head == Head::softmax_cross_entropy) {
    if (targets.labels.size() != static_cast<std::size_t>(rows_)) {
      throw std::invalid_argument("cross-entropy head: " + std::to_string(targets.labels.size()) + " labels for " +
                                  std::to_string(rows_) + " rows");
    }
    sum = softmax_cross_entropy(ctx, output_, targets.labels, grad, grad_scale);
  } else {
    if (targets.values.rows != rows_ || targets.values.cols != output_.cols) {
      throw std::invalid_argument("mse head: targets are " + std::to_string(targets.values.rows) + " x " +
                                  std::to_string(targets.values.cols) + ", the output is " + std::to_string(rows_) +
                                  " x " + std::to_string(output_.cols));
    }
    sum = squared_error(ctx, output_, targets.values, grad, grad_scale);
  }
  has_output_grad_ = want_grad;
  return sum;
}

void BatchPass::backward(Context& ctx, const Model& model, std::span<float> grads) {
  if (grads.size() != static_cast<std::size_t>(model.layout().buffer_size())) {
    throw std::invalid_argument("BatchPass::backward: gradient buffer of " + std::to_string(grads.size()) +
                                " floats, the model's layout needs " + std::to_string(model.layout().buffer_size()));
  }
  walk_back(ctx, model, grads);
}

void BatchPass::backward_data(Context& ctx, const Model& model) { walk_back(ctx, model, {}); }

void BatchPass::walk_back(Context& ctx, const Model& model, std::span<float> grads) {
  check_model(model);
  if (!has_output_grad_) throw std::logic_error("BatchPass::backward needs loss() with a non-zero grad_scale first");
  const bool params = !grads.empty();
  const std::int64_t rows = rows_;
  std::size_t d = dense_grads_.size() - 1;  // the Dense layer whose output gradient is being built
  for (std::size_t i = spec_.layers.size(); i-- > 0;) {
    const LayerSpec& l = spec_.layers[i];
    const LayerPlan& p = plan_[i];
    const std::int64_t width = spec_.width_after(static_cast<std::ptrdiff_t>(i));
    const std::int64_t in_width = spec_.width_after(static_cast<std::ptrdiff_t>(i) - 1);
    MatrixView dy = dense(dense_grads_[d].data(), rows, width);
    if (l.kind == LayerKind::activation) {
      // Without a Dense layer below, nobody needs anything further down.
      if (!p.input_grad) break;
      if (l.activation.kind == Activation::identity) continue;
      const ConstMatrixView y = value(p.output, rows, width);
      // A fused ReLU never stored its input; its output is positive exactly where
      // the input was, which is all ReLU's derivative looks at.
      const ConstMatrixView x = p.fused ? y : value(p.input, rows, width);
      const BackwardInput needs = backward_input(l.activation.kind);
      const ProfileScope timed(profiler_, StepPhase::activation_backward, owner_[i], 0.0,
                               12.0 * static_cast<double>(rows * width));
      activation_backward(ctx, l.activation, needs == BackwardInput::input ? flat(x) : std::span<const float>{},
                          needs == BackwardInput::output ? flat(y) : std::span<const float>{}, flat(dy), flat(dy));
      continue;
    }
    // Dense: dW = X^T dY (in x out), db = column sums of dY, dX = dY W^T.
    if (params) {
      const ConstMatrixView x = value(p.input, rows, in_width);
      const DenseParams gp = model.layout().view(grads, static_cast<std::size_t>(p.dense));
      {
        const ProfileScope timed(profiler_, StepPhase::weight_gradient, static_cast<int>(p.dense),
                                 gemm_flops(in_width, width, rows));
        gemm(ctx, Trans::T, Trans::N, in_width, width, rows, 1.0f, x.data, x.stride, dy.data, dy.stride, 0.0f,
             gp.weights.data, gp.weights.stride);
      }
      const ProfileScope timed(profiler_, StepPhase::bias_gradient, static_cast<int>(p.dense), 0.0,
                               4.0 * static_cast<double>(rows * width + width));
      bias_backward(ctx, dy, gp.bias);
    }
    if (!p.input_grad) break;
    const ConstDenseParams w = model.dense(static_cast<std::size_t>(p.dense));
    MatrixView dx = dense(dense_grads_[d - 1].data(), rows, in_width);
    const ProfileScope timed(profiler_, StepPhase::input_gradient, static_cast<int>(p.dense),
                             gemm_flops(rows, in_width, width));
    gemm(ctx, Trans::N, Trans::T, rows, in_width, width, 1.0f, dy.data, dy.stride, w.weights.data, w.weights.stride,
         0.0f, dx.data, dx.stride);
    --d;
  }
}

ConstMatrixView BatchPass::dense_input(std::size_t d) const {
  const std::size_t layer = dense_layers_.at(d);
  return value(plan_[layer].input, rows_, spec_.width_after(static_cast<std::ptrdiff_t>(layer) - 1));
}

ConstMatrixView BatchPass::dense_output_grad(std::size_t d) const {
  return dense(dense_grads_.at(d).data(), rows_, spec_.width_after(static_cast<std::ptrdiff_t>(dense_layers_.at(d))));
}

}  // namespace trenchcoat::nn
