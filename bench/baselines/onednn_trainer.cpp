// A baseline for the epoch benchmarks: the MLP trainer a careful C++ programmer would
// write on top of oneDNN's dnnl_sgemm, the way the peers' numbers in issue 4 were
// taken ("op-parallel, simple loops for the rest"). Every GEMM of the step goes to
// dnnl_sgemm on `threads` OpenMP threads; the rest (gather, bias + ReLU, softmax +
// cross-entropy gradient, column sums, ReLU backward, the Nesterov update) are
// OpenMP-parallel loops the compiler vectorises. Same data (MNIST-shaped synthetic,
// 60 000 x 784), same architectures, batch sizes, optimizer and FLOP count as
// train_bench.cpp's epoch/<arch>/<batch>/<strategy>/threads:<T>, registered as
//
//   epoch/<arch>/<batch>/onednn-sgemm/threads:<T>
//
// so one run gives the ratio. The baseline is checked to learn (the loss after its
// warm-up epoch must be below the untrained loss), so a broken baseline cannot pass
// for a slow one.

#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "../bench_common.hpp"
#include "../training_common.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/synthetic.hpp"

namespace trenchcoat::bench {
namespace {

constexpr float kLearningRate = 0.05f;  // train_bench.cpp's recipe: Nesterov, lr 0.05, momentum 0.9
constexpr float kMomentum = 0.9f;

void sgemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
           const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
  if (dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc) != dnnl_success) {
    throw std::runtime_error("dnnl_sgemm failed");
  }
}

// One Dense layer: weights in x out (row-major), bias, and their gradients and
// Nesterov velocities.
struct Dense {
  std::int64_t in, out;
  std::vector<float> w, b, dw, db, vw, vb;
  Dense(std::int64_t in_, std::int64_t out_, std::mt19937& rng)
      : in(in_), out(out_), w(static_cast<std::size_t>(in_ * out_)), b(static_cast<std::size_t>(out_)),
        dw(w.size()), db(b.size()), vw(w.size()), vb(b.size()) {
    // He-uniform, as nn::Model initialises ReLU layers.
    const float bound = std::sqrt(6.0f / static_cast<float>(in));
    std::uniform_real_distribution<float> u(-bound, bound);
    for (float& x : w) x = u(rng);
  }
};

void nesterov(std::vector<float>& w, const std::vector<float>& g, std::vector<float>& v) {
  const auto n = static_cast<std::int64_t>(w.size());
  float* pw = w.data();
  const float* pg = g.data();
  float* pv = v.data();
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    const float vi = kMomentum * pv[i] + pg[i];
    pv[i] = vi;
    pw[i] -= kLearningRate * (pg[i] + kMomentum * vi);
  }
}

class Trainer {
 public:
  Trainer(const nn::ModelSpec& spec, std::int64_t batch) : batch_(batch), order_(kTrainingSamples) {
    std::mt19937 rng(1);
    std::int64_t width = spec.inputs;
    for (const nn::LayerSpec& l : spec.layers) {
      if (l.kind != nn::LayerKind::dense) continue;
      layers_.emplace_back(width, l.units, rng);
      width = l.units;
    }
    acts_.resize(layers_.size() + 1);
    grads_.resize(layers_.size() + 1);
    acts_[0].resize(static_cast<std::size_t>(batch * spec.inputs));
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      acts_[l + 1].resize(static_cast<std::size_t>(batch * layers_[l].out));
      grads_[l + 1].resize(acts_[l + 1].size());
    }
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
  }

  // One pass over the data in a fresh shuffled order; returns the mean loss.
  double epoch(const nn::Dataset& data) {
    std::shuffle(order_.begin(), order_.end(), shuffle_rng_);
    double loss = 0;
    for (std::int64_t first = 0; first < kTrainingSamples; first += batch_) {
      const std::int64_t rows = std::min(batch_, kTrainingSamples - first);
      loss += step(data, first, rows) * static_cast<double>(rows);
    }
    return loss / static_cast<double>(kTrainingSamples);
  }

 private:
  double step(const nn::Dataset& data, std::int64_t first, std::int64_t rows) {
    const std::int64_t features = data.features;
    float* x = acts_[0].data();
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      std::memcpy(x + r * features, data.sample(order_[static_cast<std::size_t>(first + r)]),
                  static_cast<std::size_t>(features) * sizeof(float));
    }
    const std::size_t last = layers_.size() - 1;
    for (std::size_t l = 0; l < layers_.size(); ++l) forward(l, rows, l < last);
    const double loss = softmax_cross_entropy(data, first, rows);
    for (std::size_t l = layers_.size(); l-- > 0;) backward(l, rows);
    for (Dense& d : layers_) {
      nesterov(d.w, d.dw, d.vw);
      nesterov(d.b, d.db, d.vb);
    }
    return loss;
  }

  void forward(std::size_t l, std::int64_t rows, bool relu) {
    Dense& d = layers_[l];
    float* y = acts_[l + 1].data();
    sgemm('N', 'N', rows, d.out, d.in, acts_[l].data(), d.in, d.w.data(), d.out, y, d.out);
    const float* bias = d.b.data();
    const std::int64_t out = d.out;
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      float* row = y + r * out;
#pragma omp simd
      for (std::int64_t c = 0; c < out; ++c) {
        const float v = row[c] + bias[c];
        row[c] = relu ? std::max(v, 0.0f) : v;
      }
    }
  }

  // Softmax of the last layer's output; its gradient (p - onehot) / rows goes to the
  // last gradient buffer.
  double softmax_cross_entropy(const nn::Dataset& data, std::int64_t first, std::int64_t rows) {
    const std::int64_t classes = layers_.back().out;
    const float* z = acts_.back().data();
    float* dz = grads_.back().data();
    const float inv_rows = 1.0f / static_cast<float>(rows);
    double loss = 0;
#pragma omp parallel for schedule(static) reduction(+ : loss)
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* zr = z + r * classes;
      float* dr = dz + r * classes;
      const float mx = *std::max_element(zr, zr + classes);
      dr[0] = std::exp(zr[0] - mx);
      float sum = dr[0];  // >= 1 once the loop is done: the max's term is exp(0)
      for (std::int64_t c = 1; c < classes; ++c) {
        dr[c] = std::exp(zr[c] - mx);
        sum += dr[c];
      }
      const std::int32_t label = data.labels[static_cast<std::size_t>(order_[static_cast<std::size_t>(first + r)])];
      loss += std::log(sum) - static_cast<double>(zr[label] - mx);
      const float scale = inv_rows / sum;
      for (std::int64_t c = 0; c < classes; ++c) dr[c] *= scale;
      dr[label] -= inv_rows;
    }
    return loss / static_cast<double>(rows);
  }

  // grads_[l + 1] holds dL/d(output of layer l) (after its activation's backward).
  void backward(std::size_t l, std::int64_t rows) {
    Dense& d = layers_[l];
    const float* dy = grads_[l + 1].data();
    sgemm('T', 'N', d.in, d.out, rows, acts_[l].data(), d.in, dy, d.out, d.dw.data(), d.out);
    const std::int64_t out = d.out;
    float* db = d.db.data();
    std::fill(db, db + out, 0.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
#pragma omp simd
      for (std::int64_t c = 0; c < out; ++c) db[c] += dy[r * out + c];
    }
    if (l == 0) return;
    float* dx = grads_[l].data();
    sgemm('N', 'T', rows, d.in, d.out, dy, d.out, d.w.data(), d.out, dx, d.in);
    const float* a = acts_[l].data();  // this layer's input: the previous layer's ReLU output
    const std::int64_t n = rows * d.in;
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) dx[i] = a[i] > 0.0f ? dx[i] : 0.0f;
  }

  std::int64_t batch_;
  std::vector<Dense> layers_;
  std::vector<std::vector<float>> acts_, grads_;
  std::vector<std::int64_t> order_;
  std::mt19937_64 shuffle_rng_{1};
};

void run_epoch(benchmark::State& state, const std::string& arch, std::int64_t batch, int threads) {
  omp_set_num_threads(threads);
  const nn::Dataset& data = mnist_shaped();
  const nn::ModelSpec spec = nn::parse_model_spec(arch, "relu");
  Trainer trainer(spec, batch);
  const double untrained = std::log(static_cast<double>(spec.outputs()));  // about the first steps' loss
  const double warm_loss = trainer.epoch(data);  // warm-up: OpenMP threads, buffers, caches
  if (!(warm_loss < untrained)) {
    state.SkipWithError(("the baseline did not learn: mean loss " + std::to_string(warm_loss)).c_str());
    return;
  }
  IterationTimer timer;
  for (auto _ : state) {
    timer.time(state, [&] { benchmark::DoNotOptimize(trainer.epoch(data)); });
  }
  set_training_counters(state, timer, spec, kTrainingSamples, threads, cpu_best_isa());
}

const bool registered = [] {
  for (const char* arch : kTrainingArchs) {
    for (std::int64_t batch : kTrainingBatches) {
      for (int t : thread_counts()) {
        const std::string name =
            "epoch/" + std::string(arch) + "/" + std::to_string(batch) + "/onednn-sgemm" + threads_suffix(t);
        epoch_options(benchmark::RegisterBenchmark(name.c_str(), run_epoch, arch, batch, t));
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
