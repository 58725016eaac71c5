// `trenchcoat train --distributed` flags without mpirun, in every build: a build
// without MPI refuses --distributed with one line that says why (exit 2), and
// --reduce without --distributed is a usage error either way. The runs under mpirun
// are in mpi_train_test.cpp (built with MPI only).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/idx_fixtures.hpp"
#include "support/run_process.hpp"

namespace {

namespace fs = std::filesystem;

class CliDistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tc_dist_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    trenchcoat::testing::write_idx_folder(dir_ / "toy", 128, 32, 8, 8, 4);
  }
  void TearDown() override { fs::remove_all(dir_); }

  trenchcoat::testing::ProcessResult train(const std::string& flag, const std::string& value = "") const {
    std::vector<std::string> args = {TRENCHCOAT_BINARY, "train", "--data", (dir_ / "toy").string(), "--layers",
                                      "64-8-4", "--epochs", "1", "--batch", "64", "--no-save", "--quiet", flag};
    if (!value.empty()) args.push_back(value);
    return trenchcoat::testing::run_process(args, {{"TRENCHCOAT_ISA", ""}}, dir_);
  }

  fs::path dir_;
};

TEST_F(CliDistributedTest, ReduceNeedsDistributed) {
  const auto r = train("--reduce", "fast");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "trenchcoat: --reduce fast: only with --distributed\n");
}

#ifndef TRENCHCOAT_HAVE_MPI
TEST_F(CliDistributedTest, DistributedNeedsABuildWithMpi) {
  const auto r = train("--distributed");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "trenchcoat: --distributed: this trenchcoat was built without MPI (install libopenmpi-dev openmpi-bin and "
            "reconfigure)\n");
}
#else
// With MPI built in, a lone process (no mpirun) is a job of one rank and trains.
TEST_F(CliDistributedTest, DistributedAloneIsOneRank) {
  const auto r = train("--distributed");
  EXPECT_EQ(r.status, 0) << r.err;
}
#endif

}  // namespace
