#include "trenchcoat/nn/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "batch_gradient.hpp"
#include "exchanged_gradient.hpp"
#include "float_checks.hpp"
#include "parameter_update.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/random.hpp"

namespace trenchcoat::nn {
namespace {

std::string show(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return std::to_string(v);
}

}  // namespace

std::string_view strategy_name(Strategy s) noexcept {
  return s == Strategy::op_parallel ? "op" : "data";
}

Strategy parse_strategy(std::string_view name) {
  if (name == "data" || name == "data_parallel") return Strategy::data_parallel;
  if (name == "op" || name == "op_parallel") return Strategy::op_parallel;
  throw std::invalid_argument("unknown strategy \"" + std::string(name) + "\" (available: data, op)");
}

void TrainerConfig::validate() const {
  if (batch_size < 1) throw std::invalid_argument("batch size must be at least 1, not " + std::to_string(batch_size));
  // The largest batch a run needs buffers for; far beyond any real use.
  if (batch_size > (std::int64_t{1} << 24)) {
    throw std::invalid_argument("batch size " + std::to_string(batch_size) + " is too large");
  }
  if (epochs < 0) throw std::invalid_argument("epochs must be >= 0, not " + std::to_string(epochs));
  if (strategy != Strategy::data_parallel && strategy != Strategy::op_parallel) {
    throw std::invalid_argument("unknown training strategy");
  }
  optimizer.validate();
  schedule.validate();
}

TrainingDiverged::TrainingDiverged(std::int64_t epoch, std::int64_t batch, std::int64_t global_step,
                                   const std::string& what)
    : std::runtime_error("training diverged in epoch " + std::to_string(epoch + 1) + ", batch " +
                         std::to_string(batch + 1) + " (step " + std::to_string(global_step + 1) + "): " + what),
      epoch_(epoch),
      batch_(batch),
      global_step_(global_step) {}

struct Trainer::Impl {
  Impl(Context& c, Model& m, const TrainerConfig& cfg, GradientExchange* exchange = nullptr)
      : ctx(c), model(m), config((cfg.validate(), cfg)), optimizer(config.optimizer, m.layout().buffer_size()) {
    // A batch never exceeds the dataset, but the dataset is not known yet: size the
    // buffers for the configured batch.
    if (exchange != nullptr) {
      if (config.strategy != Strategy::data_parallel) {
        throw std::invalid_argument("training across processes needs the data-parallel strategy");
      }
      gradient = std::make_unique<detail::ExchangedGradient>(ctx, model, config.batch_size, *exchange);
    } else if (config.strategy == Strategy::data_parallel) {
      gradient = std::make_unique<detail::DataParallelGradient>(ctx, model, config.batch_size);
    } else {
      gradient = std::make_unique<detail::OpParallelGradient>(model, config.batch_size);
    }
  }

  Context& ctx;
  Model& model;
  TrainerConfig config;
  Optimizer optimizer;
  TrainingProgress progress;
  std::unique_ptr<detail::BatchGradient> gradient;
  StepProfiler* profiler = nullptr;
  std::vector<std::int64_t> order;     // this epoch's sample order
  std::int64_t order_epoch = -1;

  // The dataset last checked, so that calling train_epoch() once per step (as a
  // progress loop or a benchmark may) does not re-read every label each time.
  struct DatasetKey {
    const float* x = nullptr;
    const std::int32_t* labels = nullptr;
    const std::uint8_t* x_bytes = nullptr;
    std::size_t x_bytes_size = 0;  // clear() keeps the pointer: the size tells
    float byte_divisor = 0.0f;
    std::int64_t samples = 0, features = 0;
    std::int32_t classes = 0;
    bool operator==(const DatasetKey&) const = default;
  } checked;
  float input_bound = 0.0f;  // max |feature| of the checked dataset

  void check_dataset(const Dataset& data) {
    if (data.samples < 1) throw std::invalid_argument("the dataset is empty");
    const DatasetKey key{data.x.data(),  data.labels.data(), data.x_bytes.data(), data.x_bytes.size(),
                         data.byte_divisor, data.samples,       data.features,       data.classes};
    if (key == checked) return;
    check_dataset_fits(model.spec(), data);
    // A byte copy that no longer decodes to x (x changed after loading) is an
    // error, not a silent training on the old features.
    data.check_bytes();
    // The largest |feature| bounds the first layer's weight gradient (see
    // DataParallelGradient); finding it also rejects NaN and Inf features up front.
    input_bound = detail::max_magnitude(data.x.data(), static_cast<std::int64_t>(data.x.size()));
    if (!std::isfinite(input_bound)) {
      for (std::size_t i = 0; i < data.x.size(); ++i) {
        if (!std::isfinite(data.x[i])) {
          throw std::invalid_argument("dataset: feature " + std::to_string(static_cast<std::int64_t>(i) % data.features) +
                                      " of sample " + std::to_string(static_cast<std::int64_t>(i) / data.features) +
                                      " is not finite");
        }
      }
    }
    if (data.is_classification()) {
      // The loss kernel would reject a bad label too, but from inside a worker
      // thread in the middle of an epoch; checking here fails before any step.
      for (std::size_t i = 0; i < data.labels.size(); ++i) {
        if (data.labels[i] < 0 || data.labels[i] >= data.classes) {
          throw std::invalid_argument("dataset: label " + std::to_string(data.labels[i]) + " of sample " +
                                      std::to_string(i) + " is outside [0, " + std::to_string(data.classes) + ")");
        }
      }
    }
    checked = key;
  }

  std::int64_t batches(std::int64_t samples) const { return (samples + config.batch_size - 1) / config.batch_size; }

  double rate(std::int64_t step, std::int64_t samples) const {
    const std::int64_t per_epoch = batches(samples);
    return nn::learning_rate_at(config.schedule, config.optimizer.learning_rate, step, per_epoch * config.epochs,
                                per_epoch);
  }

  void prepare_order(std::int64_t samples) {
    if (order_epoch == progress.epoch && static_cast<std::int64_t>(order.size()) == samples) return;
    const ProfileScope timed(profiler, StepPhase::shuffle, -1, 0.0, 8.0 * static_cast<double>(samples));
    order.resize(static_cast<std::size_t>(samples));
    if (config.shuffle) {
      epoch_order(config.seed, progress.epoch, order);
    } else {
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
    }
    order_epoch = progress.epoch;
  }

  // One optimizer step on `rows`. Nothing is modified unless the step succeeds.
  detail::GradientResult step(const Dataset& data, std::span<const std::int64_t> rows,
                              std::span<const std::int64_t> next_rows, double lr) {
    // Everything the step needs travels in one struct so that the closure handed to
    // ctx.run() holds a single reference and std::function stores it without
    // allocating.
    struct Call {
      Impl* self;
      detail::BatchRequest request;
      UpdateCoefficients c;
      detail::GradientResult result;
      const char* failure = nullptr;
      void operator()() {
        result = self->gradient->compute(self->ctx, self->model, request);
        if (!std::isfinite(result.loss_sum)) {
          failure = "the loss is not finite";
        } else if (!result.gradient_finite) {
          failure = "the gradient holds NaN or Inf values (or values too large to sum)";
        } else {
          self->gradient->apply(self->ctx, self->optimizer, c, self->model.parameters());
        }
      }
    } call{this, detail::BatchRequest{&data, rows, next_rows, input_bound, !data.x_bytes.empty()}, optimizer.coefficients(lr), {}};
    const StepProfiler::Clock::time_point started =
        profiler != nullptr ? StepProfiler::Clock::now() : StepProfiler::Clock::time_point{};
    ctx.run([&call] { call(); });
    if (profiler != nullptr) profiler->add_step(started);
    if (call.failure != nullptr) {
      std::string what = call.failure;
      if (!std::isfinite(call.result.loss_sum)) what = "the loss is " + show(call.result.loss_sum);
      throw TrainingDiverged(progress.epoch, progress.batch, progress.global_step, what);
    }
    optimizer.finish_step();
    return call.result;
  }
};

Trainer::Trainer(Context& ctx, Model& model, const TrainerConfig& config)
    : impl_(std::make_unique<Impl>(ctx, model, config)) {}

Trainer::Trainer(Context& ctx, Model& model, const TrainerConfig& config, GradientExchange& exchange)
    : impl_(std::make_unique<Impl>(ctx, model, config, &exchange)) {}

Trainer::~Trainer() = default;

bool Trainer::finished() const noexcept { return impl_->progress.epoch >= impl_->config.epochs; }
const TrainerConfig& Trainer::config() const noexcept { return impl_->config; }
const TrainingProgress& Trainer::progress() const noexcept { return impl_->progress; }
const Optimizer& Trainer::optimizer() const noexcept { return impl_->optimizer; }
Model& Trainer::model() noexcept { return impl_->model; }
const Model& Trainer::model() const noexcept { return impl_->model; }
Context& Trainer::context() noexcept { return impl_->ctx; }

void Trainer::set_profiler(StepProfiler* profiler) noexcept {
  impl_->profiler = profiler;
  impl_->gradient->set_profiler(profiler);
}

std::int64_t Trainer::batches_per_epoch(std::int64_t samples) const noexcept { return impl_->batches(samples); }

double Trainer::learning_rate_at(std::int64_t step, std::int64_t samples) const noexcept {
  return impl_->rate(step, samples);
}

EpochMetrics Trainer::train_epoch(const Dataset& data, const StepCallback& on_step) {
  Impl& m = *impl_;
  if (finished()) {
    throw std::logic_error("the run is finished: all " + std::to_string(m.config.epochs) + " epochs are done");
  }
  m.check_dataset(data);
  TrainingProgress& p = m.progress;
  if (p.batch == 0) {
    p.dataset_samples = data.samples;
    p.loss_sum = 0.0;
    p.correct = 0;
    p.samples_seen = 0;
  } else if (p.dataset_samples != data.samples) {
    throw std::invalid_argument("the run stopped inside an epoch over " + std::to_string(p.dataset_samples) +
                                " samples and cannot continue it on a dataset of " + std::to_string(data.samples));
  }
  m.prepare_order(data.samples);

  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t per_epoch = m.batches(data.samples);
  const std::int64_t outputs = m.model.outputs();
  EpochMetrics out;
  out.epoch = p.epoch;
  bool stopped = false;
  while (p.batch < per_epoch && !stopped) {
    const std::int64_t first = p.batch * m.config.batch_size;
    const std::int64_t rows = std::min(m.config.batch_size, data.samples - first);
    const std::int64_t next_first = first + rows;
    const std::int64_t next_rows = std::min(m.config.batch_size, data.samples - next_first);
    const std::span<const std::int64_t> order(m.order);
    const double lr = m.rate(p.global_step, data.samples);
    const detail::GradientResult r =
        m.step(data, order.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(rows)),
               order.subspan(static_cast<std::size_t>(next_first), static_cast<std::size_t>(next_rows)), lr);
    p.loss_sum += r.loss_sum;
    p.correct += r.correct;
    p.samples_seen += rows;
    ++p.batch;
    ++p.global_step;
    ++out.steps;
    out.learning_rate = lr;
    if (on_step) {
      const StepInfo info{p.epoch, p.batch - 1, per_epoch, p.global_step, rows,
                          r.loss_sum * mean_loss_scale(m.model.spec().head, rows, outputs), lr};
      stopped = !on_step(info);
    }
  }
  out.samples = p.samples_seen;
  out.loss = p.samples_seen > 0 ? p.loss_sum * mean_loss_scale(m.model.spec().head, p.samples_seen, outputs)
                                : std::numeric_limits<double>::quiet_NaN();
  out.accuracy = data.is_classification() && p.samples_seen > 0
                     ? static_cast<double>(p.correct) / static_cast<double>(p.samples_seen)
                     : std::numeric_limits<double>::quiet_NaN();
  out.complete = p.batch >= per_epoch;
  out.stopped = stopped;
  if (out.complete) {
    ++p.epoch;
    p.batch = 0;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

std::vector<EpochMetrics> Trainer::fit(const Dataset& data, const StepCallback& on_step) {
  std::vector<EpochMetrics> all;
  while (!finished()) {
    all.push_back(train_epoch(data, on_step));
    if (all.back().stopped) break;
  }
  return all;
}

TrainingState Trainer::state() const {
  const Impl& m = *impl_;
  TrainingState s;
  s.config = m.config;
  s.progress = m.progress;
  s.optimizer_steps = m.optimizer.steps();
  const ParameterLayout& layout = m.model.layout();
  for (int i = 0; i < m.optimizer.state_count(); ++i) {
    std::vector<float> packed(static_cast<std::size_t>(layout.parameter_count()));
    layout.pack(m.optimizer.state(i), packed);
    s.optimizer_state.push_back(std::move(packed));
  }
  return s;
}

void Trainer::restore(const TrainingState& s) {
  Impl& m = *impl_;
  if (s.config.optimizer.kind != m.config.optimizer.kind) {
    throw std::invalid_argument("the saved run used the " + std::string(optimizer_name(s.config.optimizer.kind)) +
                                " optimizer, this trainer uses " +
                                std::string(optimizer_name(m.config.optimizer.kind)));
  }
  const ParameterLayout& layout = m.model.layout();
  if (static_cast<int>(s.optimizer_state.size()) != m.optimizer.state_count()) {
    throw std::invalid_argument("the saved optimizer state has " + std::to_string(s.optimizer_state.size()) +
                                " buffers, " + std::string(optimizer_name(m.config.optimizer.kind)) + " needs " +
                                std::to_string(m.optimizer.state_count()));
  }
  for (const auto& buf : s.optimizer_state) {
    if (static_cast<std::int64_t>(buf.size()) != layout.parameter_count()) {
      throw std::invalid_argument("a saved optimizer buffer holds " + std::to_string(buf.size()) +
                                  " values, the model has " + std::to_string(layout.parameter_count()) +
                                  " parameters");
    }
  }
  const TrainingProgress& p = s.progress;
  if (p.epoch < 0 || p.batch < 0 || p.global_step < 0 || p.dataset_samples < 0 || p.correct < 0 ||
      p.samples_seen < 0 || !std::isfinite(p.loss_sum) || s.optimizer_steps < 0) {
    throw std::invalid_argument("the saved training progress holds negative or non-finite counters");
  }
  if (p.batch > 0 && (p.dataset_samples == 0 || p.batch >= m.batches(p.dataset_samples))) {
    throw std::invalid_argument("the saved position (batch " + std::to_string(p.batch) +
                                ") does not lie inside an epoch of " + std::to_string(p.dataset_samples) +
                                " samples with batch size " + std::to_string(m.config.batch_size));
  }
  for (int i = 0; i < m.optimizer.state_count(); ++i) layout.unpack(s.optimizer_state[static_cast<std::size_t>(i)], m.optimizer.state(i));
  m.optimizer.set_steps(s.optimizer_steps);
  m.progress = p;
  m.order_epoch = -1;
}

}  // namespace trenchcoat::nn
