#pragma once
// The GEMM shapes every variant (and every baseline) is benchmarked on.

#include <cstdint>
#include <string>
#include <vector>

#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat::bench {

struct GemmShape {
  std::string label;  // "NN_1024x1024x1024" or "mlp128_fwd_NN_128x128x784"
  Trans ta, tb;
  std::int64_t m, n, k;
};

inline std::vector<GemmShape> gemm_shapes() {
  std::vector<GemmShape> shapes;
  auto add = [&](const std::string& prefix, Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k) {
    const std::string t = std::string(ta == Trans::N ? "N" : "T") + (tb == Trans::N ? "N" : "T");
    shapes.push_back({prefix + t + "_" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k), ta,
                      tb, m, n, k});
  };
  for (std::int64_t s : {256, 512, 1024, 2048}) add("", Trans::N, Trans::N, s, s, s);
  // Small squares around the size below which a GEMM stays on the calling thread.
  for (std::int64_t s : {32, 64, 96, 128, 160, 192}) add("small_", Trans::N, Trans::N, s, s, s);
  // One training step of 784-128-10 at batch 128: forward X W, weight gradient
  // X^T dY, input gradient dY W^T (only the hidden layer's is needed).
  add("mlp128_fwd1_", Trans::N, Trans::N, 128, 128, 784);
  add("mlp128_fwd2_", Trans::N, Trans::N, 128, 10, 128);
  add("mlp128_wgrad1_", Trans::T, Trans::N, 784, 128, 128);
  add("mlp128_wgrad2_", Trans::T, Trans::N, 128, 10, 128);
  add("mlp128_igrad2_", Trans::N, Trans::T, 128, 128, 10);
  // 784-512-512-10 at batch 256.
  add("mlp512_fwd1_", Trans::N, Trans::N, 256, 512, 784);
  add("mlp512_fwd2_", Trans::N, Trans::N, 256, 512, 512);
  add("mlp512_fwd3_", Trans::N, Trans::N, 256, 10, 512);
  add("mlp512_wgrad1_", Trans::T, Trans::N, 784, 512, 256);
  add("mlp512_wgrad2_", Trans::T, Trans::N, 512, 512, 256);
  add("mlp512_wgrad3_", Trans::T, Trans::N, 512, 10, 256);
  add("mlp512_igrad3_", Trans::N, Trans::T, 256, 512, 10);
  add("mlp512_igrad2_", Trans::N, Trans::T, 256, 512, 512);
  // One 32-row shard of the data-parallel trainer (784-128-10).
  add("shard32_fwd1_", Trans::N, Trans::N, 32, 128, 784);
  add("shard32_wgrad1_", Trans::T, Trans::N, 784, 128, 32);
  add("shard32_fwd2_", Trans::N, Trans::N, 32, 10, 128);
  add("shard32_wgrad2_", Trans::T, Trans::N, 128, 10, 32);
  add("shard32_igrad2_", Trans::N, Trans::T, 32, 128, 10);
  // One-sample inference: the GEMV path.
  add("gemv_", Trans::N, Trans::N, 1, 4096, 4096);
  add("gemv_", Trans::N, Trans::N, 4096, 1, 4096);
  return shapes;
}

// Operands for a shape, filled with small values (no denormals, no overflow).
struct GemmOperands {
  std::vector<float> a, b, c;
  explicit GemmOperands(const GemmShape& s)
      : a(static_cast<std::size_t>(s.m * s.k), 0.5f), b(static_cast<std::size_t>(s.k * s.n), 0.25f),
        c(static_cast<std::size_t>(s.m * s.n), 0.0f) {}
  std::int64_t lda(const GemmShape& s) const { return s.ta == Trans::N ? s.k : s.m; }
  std::int64_t ldb(const GemmShape& s) const { return s.tb == Trans::N ? s.n : s.k; }
};

}  // namespace trenchcoat::bench
