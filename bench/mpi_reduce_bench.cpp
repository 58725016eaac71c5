// The cross-rank gradient reduction alone, as `trenchcoat train --distributed` runs
// it (nn/mpi/mpi_exchange.cpp), for message sizes up to a model's gradient: run it
// under mpirun, e.g.
//
//   mpirun -np 4 build/release/bench/trenchcoat-mpi-reduce-bench [--floats N] [--reps R]
//
// For each size (powers of 4 from 1 float up to --floats, default the gradient of
// 784-512-512-10: 669,706 floats = 2.7 MB) and each mode (reproducible: the
// sharding tree finished by point-to-point messages + MPI_Bcast; fast:
// MPI_Allreduce), every repetition starts at a barrier and counts the slowest rank's
// time. Rank 0 prints one JSON object per line: ranks, mode, floats, bytes, the
// median and minimum seconds. Shards per step: 4 per rank (a batch of 128 per rank),
// which gives every rank an equal node of the tree.

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "trenchcoat/nn/mpi_exchange.hpp"

namespace {

using trenchcoat::nn::GradientExchange;
using trenchcoat::nn::ReduceMode;

// 784-512-512-10: weights and biases of three Dense layers.
constexpr long kModelFloats = 784L * 512 + 512 + 512L * 512 + 512 + 512L * 10 + 10;

struct Timing {
  double median = 0.0;
  double best = 0.0;
};

// reps >= 1 (parse_flag).
Timing time_combine(GradientExchange& exchange, std::vector<float>& gradient, std::int64_t shards, int reps) {
  std::vector<double> seconds;
  seconds.reserve(static_cast<std::size_t>(std::max(reps, 1)));
  for (int i = -2; i < reps; ++i) {  // two untimed warm-up rounds
    std::fill(gradient.begin(), gradient.end(), 1.0f);
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    exchange.combine_gradient(gradient, shards);
    double mine = MPI_Wtime() - t0, slowest = 0.0;
    MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (i >= 0) seconds.push_back(slowest);
  }
  if (seconds.empty()) return Timing{};
  std::sort(seconds.begin(), seconds.end());
  return Timing{seconds[seconds.size() / 2], seconds.front()};
}

long parse_flag(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) {
      char* end = nullptr;
      const long v = std::strtol(argv[i + 1], &end, 10);
      if (end == argv[i + 1] || *end != '\0' || v < 1) {
        std::fprintf(stderr, "trenchcoat-mpi-reduce-bench: %s needs a positive integer, not \"%s\"\n", name,
                     argv[i + 1]);
        std::exit(2);  // NOLINT(concurrency-mt-unsafe): before MPI_Init, while this is the only thread
      }
      return v;
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const long max_floats = parse_flag(argc, argv, "--floats", kModelFloats);
  const int reps = static_cast<int>(parse_flag(argc, argv, "--reps", 30));
  trenchcoat::nn::MpiSession session;
  const std::int64_t shards = 4 * static_cast<std::int64_t>(session.ranks());
  std::vector<long> sizes;
  for (long n = 1; n < max_floats; n *= 4) sizes.push_back(n);
  sizes.push_back(max_floats);
  for (ReduceMode mode : {ReduceMode::reproducible, ReduceMode::fast}) {
    const auto exchange = trenchcoat::nn::make_mpi_exchange(session, mode);
    for (long n : sizes) {
      std::vector<float> gradient(static_cast<std::size_t>(n));
      const Timing t = time_combine(*exchange, gradient, shards, reps);
      if (session.rank() == 0) {
        std::printf(
            "{\"ranks\": %d, \"mode\": \"%s\", \"floats\": %ld, \"bytes\": %ld, \"median_seconds\": %.9f, "
            "\"min_seconds\": %.9f, \"reps\": %d}\n",
            session.ranks(), mode == ReduceMode::fast ? "fast" : "reproducible", n, n * 4L, t.median, t.best, reps);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
