// trenchcoat-bench is generated from the registry: every variant this CPU runs, of
// every family, must appear in --benchmark_list_tests under its family's prefixes, at
// one thread and (for parallel variants) at every thread count the suite sweeps, and
// every GEMM variant also with cold caches.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_process.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/kernels/registry.hpp"

namespace {

namespace fs = std::filesystem;

// Benchmark name prefixes per registry family (bench/*_bench.cpp). A family missing
// here fails the test: a new family needs its benchmarks and an entry here.
const std::map<std::string, std::vector<std::string>> kPrefixes = {
    {"gemm", {"gemm/"}},
    {"eltwise", {"act/relu_fwd/", "act/relu_bwd/", "act/gelu_fwd/", "act/bias_add/", "act/bias_bwd/"}},
    {"softmax", {"softmax/", "log_softmax/"}},
    {"loss", {"xent/", "mse/"}},
};

std::vector<std::string> list_benchmarks() {
  const fs::path scratch = fs::temp_directory_path() / ("tc_bench_list_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const auto r = trenchcoat::testing::run_process({TRENCHCOAT_BENCH_BINARY, "--benchmark_list_tests"}, {}, scratch);
  fs::remove_all(scratch);
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::string> names;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) names.push_back(line);
  return names;
}

// A name under `prefix` whose thread count is `threads` (0: any). Google Benchmark
// appends "/manual_time" and the like after the name we register.
bool listed(const std::vector<std::string>& names, const std::string& prefix, int threads) {
  const std::string t = "/threads:" + std::to_string(threads);
  for (const std::string& n : names) {
    if (n.rfind(prefix, 0) != 0) continue;
    if (threads == 0) return true;
    const std::size_t at = n.find(t);
    if (at != std::string::npos && (at + t.size() == n.size() || n[at + t.size()] == '/')) return true;
  }
  return false;
}

TEST(BenchList, NamesEveryRegistryVariantThisCpuRuns) {
  const std::vector<std::string> names = list_benchmarks();
  ASSERT_FALSE(names.empty());
  const int cores = trenchcoat::available_cores();
  for (const trenchcoat::FamilyListing& family : trenchcoat::registered_families()) {
    const auto prefixes = kPrefixes.find(std::string(family.name));
    ASSERT_NE(prefixes, kPrefixes.end()) << "family " << family.name << " has no benchmark prefix in this test";
    for (const trenchcoat::VariantInfo& v : family.variants) {
      for (const std::string& p : prefixes->second) {
        const std::string prefix = p + std::string(v.name) + "/";
        if (!trenchcoat::cpu_supports(v.isa)) {
          EXPECT_FALSE(listed(names, prefix, 0)) << prefix << " is registered but this CPU cannot run it";
          continue;
        }
        EXPECT_TRUE(listed(names, prefix, 1)) << prefix << "...threads:1 is missing";
        if (v.threading == trenchcoat::Threading::parallel) {
          EXPECT_TRUE(listed(names, prefix, cores))
              << prefix << "...threads:" << cores << " is missing";
        }
      }
    }
  }
  // Cold-cache twins of the GEMMs whose operands would stay in cache.
  for (const trenchcoat::VariantInfo& v : trenchcoat::family_listing(trenchcoat::KernelFamily::gemm).variants) {
    if (v.reference || !trenchcoat::cpu_supports(v.isa)) continue;
    EXPECT_TRUE(listed(names, "gemm/" + std::string(v.name) + "/cold_shard32_", 1)) << v.name << ": no cold GEMM";
  }
  // The training benchmarks on top.
  EXPECT_TRUE(listed(names, "train_step/784-128-10/", 1));
  EXPECT_TRUE(listed(names, "epoch/784-128-10/", 1));
}

}  // namespace
