#include "kernel_case.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <stdexcept>
#include <string_view>

#include "cli_common.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/kernels/loss.hpp"
#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat::cli {
namespace {

constexpr std::int64_t kMaxDim = std::int64_t{1} << 20;
constexpr std::int64_t kMaxElements = std::int64_t{1} << 28;  // 1 GiB of floats per operand

// Operands of every kind a kernel here needs; the unused ones stay empty.
struct Buffers {
  std::vector<float> a, b, c, d;
  std::vector<std::int32_t> labels;
};

std::vector<float> spread(std::size_t n, std::uint32_t seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string family_of(const std::string& kernel) {
  if (kernel == "gemm") return "gemm";
  if (kernel == "softmax" || kernel == "log_softmax") return "softmax";
  if (kernel == "xent" || kernel == "mse") return "loss";
  if (kernel == "bias_add" || kernel == "bias_bwd") return "eltwise";
  if (ends_with(kernel, "_fwd") || ends_with(kernel, "_bwd")) {
    try {
      (void)parse_activation(std::string_view(kernel).substr(0, kernel.size() - 4));
      return "eltwise";
    } catch (const std::invalid_argument&) {
    }
  }
  std::string known;
  for (const std::string& k : kernel_names()) {
    if (!known.empty()) known += ", ";
    known += k;
  }
  throw UsageError(fmt::format("--kernel {}: unknown kernel (known: {})", kernel, known));
}

const FamilyListing& listing(const std::string& family) {
  for (const FamilyListing& l : registered_families()) {
    if (l.name == family) return l;
  }
  throw std::logic_error("no registry family " + family);
}

}  // namespace

std::vector<std::string> kernel_names() {
  std::vector<std::string> names = {"gemm", "softmax", "log_softmax", "xent", "mse", "bias_add", "bias_bwd"};
  for (Activation a : kAllActivations) {
    names.push_back(std::string(activation_name(a)) + "_fwd");
    names.push_back(std::string(activation_name(a)) + "_bwd");
  }
  return names;
}

std::vector<std::int64_t> parse_shape(const std::string& shape, int dims) {
  const std::string expected = dims == 3 ? "MxNxK" : "RxC";
  auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("--shape {}: {} (expected {}, each from 1 to {})", shape, why, expected, kMaxDim));
  };
  std::vector<std::int64_t> sizes;
  std::string_view rest = shape;
  while (true) {
    const std::size_t x = rest.find('x');
    const std::string_view part = rest.substr(0, x);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) throw bad("not a list of integers");
    if (v < 1 || v > kMaxDim) throw bad(fmt::format("{} is out of range", v));
    sizes.push_back(v);
    if (x == std::string_view::npos) break;
    rest = rest.substr(x + 1);
  }
  if (static_cast<int>(sizes.size()) != dims) throw bad(fmt::format("{} sizes", sizes.size()));
  // The largest operand: m x k, k x n, m x n for GEMM; rows x cols otherwise.
  const std::int64_t largest = dims == 3 ? std::max({sizes[0] * sizes[2], sizes[2] * sizes[1], sizes[0] * sizes[1]})
                                         : sizes[0] * sizes[1];
  if (largest > kMaxElements) throw bad(fmt::format("an operand of {} elements is too large", largest));
  return sizes;
}

KernelCase make_kernel_case(const std::string& kernel, const std::string& variant, const std::string& shape,
                            Context& ctx, const std::string& flag) {
  KernelCase kc;
  kc.family = family_of(kernel);
  kc.variant = variant;
  const FamilyListing& l = listing(kc.family);
  std::size_t index = 0;
  try {
    index = find_variant_index(l.name, l.variants, variant);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{} {}: {}", flag, variant, e.what()));
  }
  kc.isa = l.variants[index].isa;
  kc.threading = l.variants[index].threading;
  const std::vector<std::int64_t> dims = parse_shape(shape, kc.family == "gemm" ? 3 : 2);
  kc.label = fmt::format("{}/{}/{}", kernel, variant, shape);
  auto buffers = std::make_shared<Buffers>();
  Buffers& x = *buffers;
  kc.operands = buffers;
  Context* c = &ctx;

  if (kc.family == "gemm") {
    const std::int64_t m = dims[0], n = dims[1], k = dims[2];
    x.a = spread(static_cast<std::size_t>(m * k), 1, -1.0f, 1.0f);
    x.b = spread(static_cast<std::size_t>(k * n), 2, -1.0f, 1.0f);
    x.c.assign(static_cast<std::size_t>(m * n), 0.0f);
    const GemmVariant* v = &gemm_variants()[index];
    const GemmProblem p{Trans::N, Trans::N, m, n, k, 1.0f, x.a.data(), k, x.b.data(), n, 0.0f, x.c.data(), n, {}};
    kc.call = [v, c, p] { gemm(*v, *c, p); };
    kc.flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    kc.bytes = 4.0 * static_cast<double>(m * k + k * n + m * n);
    return kc;
  }

  const std::int64_t rows = dims[0], cols = dims[1];
  const auto elements = static_cast<std::size_t>(rows * cols);
  const auto n = static_cast<double>(elements);
  if (kc.family == "softmax") {
    x.a = spread(elements, 3, -8.0f, 8.0f);
    x.b.assign(elements, 0.0f);
    const SoftmaxVariant* v = &softmax_variants()[index];
    const bool log = kernel == "log_softmax";
    kc.call = [v, c, &x, rows, cols, log] {
      if (log) log_softmax(*v, *c, dense(x.a.data(), rows, cols), dense(x.b.data(), rows, cols));
      else softmax(*v, *c, dense(x.a.data(), rows, cols), dense(x.b.data(), rows, cols));
    };
    kc.bytes = 8.0 * n;
    return kc;
  }
  if (kc.family == "loss") {
    x.a = spread(elements, 4, -8.0f, 8.0f);
    x.b = spread(elements, 5, -1.0f, 1.0f);
    x.c.assign(elements, 0.0f);
    x.labels.resize(static_cast<std::size_t>(rows));
    for (std::size_t r = 0; r < x.labels.size(); ++r) x.labels[r] = static_cast<std::int32_t>(r % static_cast<std::size_t>(cols));
    const LossVariant* v = &loss_variants()[index];
    if (kernel == "xent") {
      const float scale = 1.0f / static_cast<float>(rows);
      kc.call = [v, c, &x, rows, cols, scale] {
        (void)softmax_cross_entropy(*v, *c, dense(x.a.data(), rows, cols), x.labels, dense(x.c.data(), rows, cols), scale);
      };
      kc.bytes = 8.0 * n + 4.0 * static_cast<double>(rows);
    } else {
      const float scale = 1.0f / static_cast<float>(n);
      kc.call = [v, c, &x, rows, cols, scale] {
        (void)squared_error(*v, *c, dense(x.a.data(), rows, cols), dense(x.b.data(), rows, cols),
                            dense(x.c.data(), rows, cols), scale);
      };
      kc.bytes = 12.0 * n;
    }
    return kc;
  }

  // eltwise
  const EltwiseVariant* v = &eltwise_variants()[index];
  x.a = spread(elements, 6, -4.0f, 4.0f);
  x.b.assign(elements, 0.0f);
  if (kernel == "bias_add" || kernel == "bias_bwd") {
    x.c = spread(static_cast<std::size_t>(cols), 7, -1e-3f, 1e-3f);
    if (kernel == "bias_add") {
      // Adds to x.a in place: tiny bias values keep it far from overflow for any call count.
      kc.call = [v, c, &x, rows, cols] { bias_add(*v, *c, dense(x.a.data(), rows, cols), x.c); };
      kc.bytes = 8.0 * n + 4.0 * static_cast<double>(cols);
    } else {
      kc.call = [v, c, &x, rows, cols] { bias_backward(*v, *c, dense(static_cast<const float*>(x.a.data()), rows, cols), x.c); };
      kc.bytes = 4.0 * n + 4.0 * static_cast<double>(cols);
    }
    return kc;
  }
  const ActivationParams act{parse_activation(std::string_view(kernel).substr(0, kernel.size() - 4)), 0.01f};
  if (ends_with(kernel, "_fwd")) {
    kc.call = [v, c, &x, act] { activation_forward(*v, *c, act, x.a, x.b); };
    kc.bytes = 8.0 * n;
    return kc;
  }
  x.c = spread(elements, 8, -1.0f, 1.0f);
  x.d.assign(elements, 0.0f);
  activation_forward(*v, ctx, act, x.a, x.b);
  kc.call = [v, c, &x, act] { activation_backward(*v, *c, act, x.a, x.b, x.c, x.d); };
  kc.bytes = (backward_input(act.kind) == BackwardInput::none ? 8.0 : 12.0) * n;
  return kc;
}

}  // namespace trenchcoat::cli
