// `mpirun -np R trenchcoat train --distributed` on this machine (loopback, built
// only when CMake found MPI): the reproducible reduction saves the very same
// checkpoint as one process for 1, 2, 3 and 4 ranks (3 included: tree_cut() gives
// any rank count a node of the tree), repeated runs agree, the fast reduction
// (MPI_Allreduce) reaches the single-process accuracy within 2 points, a rank
// killed mid-run ends the whole job within seconds and leaves the last checkpoint
// as it was, so does a rank that cannot start (its data unreadable, or a process
// that ends before MPI_Init), Ctrl-C under mpirun stops every rank after the same
// step with a resumable checkpoint, a run resumes on another rank count, and bad
// inputs exit 2.
//
// Data: a small learnable idx set written by the test (8 x 8 images, 4 classes).

#include <gtest/gtest.h>
#include <csignal>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/idx_fixtures.hpp"
#include "support/run_process.hpp"

namespace {

namespace fs = std::filesystem;
using trenchcoat::testing::Process;
using trenchcoat::testing::ProcessResult;
using trenchcoat::testing::read_text;
using Clock = std::chrono::steady_clock;

class MpiTrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tc_mpi_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // 300 training samples: batch 128 gives epochs of 128 + 128 + 44 rows, so the
    // last batch has 2 shards and, on 3 or 4 ranks, some ranks idle in it.
    trenchcoat::testing::write_idx_folder(dir_ / "toy", 300, 256, 8, 8, 4);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The toy run's flags; `extra` adds flags or replaces a default's value
  // (--epochs, --batch).
  std::vector<std::string> train_args(const std::string& save, const std::vector<std::string>& extra) const {
    std::vector<std::string> a = {TRENCHCOAT_BINARY, "train", "--data", path("toy"), "--layers", "64-32-4", "--lr",
                                  "0.1", "--warmup", "0", "--quiet", "--save", path(save)};
    for (const char* flag : {"--epochs", "--batch"}) {
      if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
        a.emplace_back(flag);
        a.emplace_back(flag == std::string("--epochs") ? "3" : "128");
      }
    }
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::vector<std::string> mpirun(int ranks, const std::vector<std::string>& args) const {
    std::vector<std::string> a = {MPIEXEC_BINARY, "--allow-run-as-root", "--oversubscribe", "-np", std::to_string(ranks)};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  ProcessResult run(const std::vector<std::string>& argv) const {
    return trenchcoat::testing::run_process(argv, {{"TRENCHCOAT_ISA", ""}}, dir_);
  }
  // Trains on `ranks` ranks (0: one plain process, no MPI) and returns the
  // checkpoint's bytes.
  std::string train(int ranks, const std::string& save, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = train_args(save, extra);
    if (ranks > 0) {
      args.emplace_back("--distributed");
      args = mpirun(ranks, args);
    }
    const ProcessResult r = run(args);
    EXPECT_EQ(r.status, 0) << "ranks " << ranks << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return read_text(path(save));
  }

  fs::path dir_;
};

TEST_F(MpiTrainTest, ReproducibleReductionSavesTheSingleProcessModel) {
  const std::string single = train(0, "single.tcnn", {"--threads", "1"});
  ASSERT_FALSE(single.empty());
  for (int ranks : {1, 2, 3, 4}) {
    for (const char* threads : {"1", "2"}) {
      if (ranks == 4 && threads[0] == '2') continue;  // 8 threads on 2 cores: slow, and 2 ranks x 2 covers it
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
      std::string name = std::to_string(ranks);
      name.append("-ranks-").append(threads).append("-threads.tcnn");
      EXPECT_TRUE(train(ranks, name, {"--threads", threads}) == single)
          << ranks << " ranks x " << threads << " threads: the checkpoint differs from one process's";
    }
  }
}

TEST_F(MpiTrainTest, ThreeRanksRepeatThemselves) {
  const std::string first = train(3, "a.tcnn", {"--threads", "1"});
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(train(3, "b.tcnn", {"--threads", "1"}) == first);
  EXPECT_TRUE(train(3, "c.tcnn", {"--threads", "1", "--reduce", "fast"}) == train(3, "d.tcnn", {"--threads", "1", "--reduce", "fast"}))
      << "the fast reduction on 3 ranks is not deterministic run to run";
}

double test_accuracy(const std::string& json_path) {
  return nlohmann::json::parse(read_text(json_path))["final"]["test_accuracy"].get<double>();
}

TEST_F(MpiTrainTest, FastReductionReachesTheSameAccuracy) {
  train(0, "single.tcnn", {"--threads", "1", "--json", path("single.json")});
  train(3, "fast.tcnn", {"--threads", "1", "--reduce", "fast", "--json", path("fast.json")});
  const double single = test_accuracy(path("single.json"));
  const double fast = test_accuracy(path("fast.json"));
  EXPECT_GT(single, 0.9) << "the toy problem did not train: the comparison would say nothing";
  // 2 points of 256 test samples (5 samples): the fast sum rounds differently, which
  // moves a few borderline predictions at most.
  EXPECT_NEAR(fast, single, 0.02);
  const nlohmann::json j = nlohmann::json::parse(read_text(path("fast.json")));
  EXPECT_EQ(j["configuration"]["ranks"], 3);
  EXPECT_EQ(j["configuration"]["threads_per_rank"], nlohmann::json({1, 1, 1}));
  EXPECT_EQ(j["configuration"]["reduce"], "fast");
}

TEST_F(MpiTrainTest, ResumesOnAnotherRankCount) {
  const std::string whole = train(0, "whole.tcnn", {"--threads", "1"});
  // Stopped after 4 steps on 2 ranks (the checkpoint of a stopped run), finished on 4.
  const ProcessResult stopped =
      run(mpirun(2, [&] {
        auto a = train_args("part.tcnn", {"--threads", "1", "--distributed", "--stop-after-steps", "4"});
        return a;
      }()));
  ASSERT_EQ(stopped.status, 130) << stopped.out << stopped.err;
  const ProcessResult resumed = run(mpirun(
      4, {TRENCHCOAT_BINARY, "train", "--data", path("toy"), "--resume", path("part.tcnn"), "--quiet", "--threads", "1",
          "--distributed"}));
  ASSERT_EQ(resumed.status, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(read_text(path("part.tcnn")) == whole);
}

// Waits up to `limit` for `job` to end; kills it and returns nullopt if it did not.
std::optional<ProcessResult> wait_for(Process& job, std::chrono::seconds limit, double* seconds) {
  const auto t0 = Clock::now();
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(job.pid(), &status, WNOHANG)) == 0 && Clock::now() - t0 < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (done == 0) {
    ::kill(job.pid(), SIGKILL);
    ::waitpid(job.pid(), &status, 0);
    return std::nullopt;
  }
  ProcessResult r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = job.stdout_so_far();
  r.err = read_text(job.stderr_path());
  return r;
}

// The pids of the processes whose parent is `parent` and whose environment says
// they are MPI rank `rank`.
std::vector<pid_t> rank_processes(pid_t parent, int rank) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    const std::string env = read_text(entry.path() / "environ");
    if (env.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + '\0') != std::string::npos) {
      found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

// Rank 1 of `job`, once it has trained for a while (-1 if not found in 20 s).
pid_t rank_one_training(const Process& job) {
  std::vector<pid_t> found;
  for (const auto t0 = Clock::now(); found.empty() && Clock::now() - t0 < std::chrono::seconds(20);) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    found = rank_processes(job.pid(), 1);
  }
  if (found.size() != 1) return -1;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // well into training
  return found[0];
}

TEST_F(MpiTrainTest, AKilledRankEndsTheJobWithinSeconds) {
  // A checkpoint from an earlier run, which the killed run would save over at its end.
  const std::string before = train(0, "model.tcnn", {"--threads", "1", "--epochs", "1"});
  ASSERT_FALSE(before.empty());
  Process job(mpirun(3, train_args("model.tcnn", {"--threads", "1", "--epochs", "100000", "--distributed"})),
              {{"TRENCHCOAT_ISA", ""}}, dir_);
  const pid_t victim = rank_one_training(job);
  ASSERT_GT(victim, 0) << "rank 1 of the job not found";
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  double seconds = 0.0;
  const std::optional<ProcessResult> r = wait_for(job, std::chrono::seconds(30), &seconds);
  ASSERT_TRUE(r.has_value()) << "the job still ran 30 s after a rank was killed";
  std::printf("the job ended %.2f s after rank 1 was killed (status %d)\n", seconds, r->status);
  EXPECT_LT(seconds, 10.0);
  EXPECT_NE(r->status, 0) << "the job reported success";
  EXPECT_TRUE(read_text(path("model.tcnn")) == before) << "the checkpoint changed";
}

// mpirun's MPMD form (`-np 1 A : -np 1 B`) gives rank 1 other arguments than rank 0:
// here a data folder it cannot read, or a program that exits before MPI_Init. Either
// way the job ends within seconds, unsuccessfully, saying which rank failed and why,
// and saves nothing.
TEST_F(MpiTrainTest, ARankThatCannotStartEndsTheJob) {
  std::vector<std::string> good = train_args("model.tcnn", {"--threads", "1", "--distributed"});
  std::vector<std::string> bad = good;
  const auto data = std::find(bad.begin(), bad.end(), path("toy"));
  ASSERT_NE(data, bad.end());
  *data = path("missing");
  struct Case {
    std::string name;
    std::vector<std::string> rank1;
    std::string says;  // in stderr
  };
  const std::vector<Case> cases = {
      {"unreadable data", bad, "trenchcoat: rank 1: --data " + path("missing")},
      {"exits before MPI_Init", {"/bin/false"}, ""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = mpirun(1, good);
    argv.insert(argv.end(), {":", "-np", "1"});
    argv.insert(argv.end(), c.rank1.begin(), c.rank1.end());
    Process job(argv, {{"TRENCHCOAT_ISA", ""}}, dir_);
    double seconds = 0.0;
    const std::optional<ProcessResult> r = wait_for(job, std::chrono::seconds(30), &seconds);
    ASSERT_TRUE(r.has_value()) << c.name << ": the job still ran after 30 s";
    std::printf("%s: the job ended after %.2f s (status %d)\n", c.name.c_str(), seconds, r->status);
    EXPECT_NE(r->status, 0) << c.name;
    EXPECT_NE(r->err.find(c.says), std::string::npos) << c.name << ": " << r->err;
    EXPECT_FALSE(fs::exists(path("model.tcnn"))) << c.name;
  }
}

// Ctrl-C in the terminal reaches mpirun alone (Open MPI starts every rank in a
// process group of its own); mpirun then sends the ranks SIGTERM, and SIGKILL soon
// after. SIGTERM only asks the ranks to stop, like Ctrl-C in one process: all stop
// after the same step and rank 0 saves a resumable checkpoint before the SIGKILL.
TEST_F(MpiTrainTest, CtrlCStopsEveryRankWithACheckpoint) {
  Process job(mpirun(2, train_args("model.tcnn", {"--threads", "1", "--epochs", "100000", "--distributed", "--json",
                                                   path("run.json")})),
              {{"TRENCHCOAT_ISA", ""}}, dir_);
  ASSERT_GT(rank_one_training(job), 0) << "rank 1 of the job not found";
  ASSERT_EQ(::kill(job.pid(), SIGINT), 0);
  double seconds = 0.0;
  const std::optional<ProcessResult> r = wait_for(job, std::chrono::seconds(30), &seconds);
  ASSERT_TRUE(r.has_value()) << "the job still ran 30 s after Ctrl-C";
  std::printf("the job ended %.2f s after Ctrl-C (status %d)\n", seconds, r->status);
  EXPECT_NE(r->status, 0) << "an interrupted run reported success";
  const nlohmann::json j = nlohmann::json::parse(read_text(path("run.json")));
  EXPECT_EQ(j["final"]["interrupted"], true);
  // The checkpoint resumes, on another rank count, for a few more steps.
  const ProcessResult resumed = run(mpirun(
      1, {TRENCHCOAT_BINARY, "train", "--data", path("toy"), "--resume", path("model.tcnn"), "--quiet", "--threads", "1",
          "--distributed", "--stop-after-steps", std::to_string(j["final"]["steps"].get<std::int64_t>() + 2)}));
  EXPECT_EQ(resumed.status, 130) << resumed.out << resumed.err;
}

TEST_F(MpiTrainTest, BadInputsExitTwo) {
  struct Case {
    int ranks;
    std::vector<std::string> extra;
    std::string says;
  };
  const std::vector<Case> cases = {
      {2, {"--batch", "32"}, "--batch 32 makes 1 shard (of up to 32 rows), fewer than the 2 ranks"},
      {2, {"--strategy", "op"}, "--distributed trains data-parallel"},
      {2, {"--reduce", "sometimes"}, "--reduce sometimes"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = train_args("bad.tcnn", c.extra);
    args.emplace_back("--distributed");
    const ProcessResult r = run(mpirun(c.ranks, args));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("trenchcoat: " + c.says), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("bad.tcnn")));
  }
  const ProcessResult r = run(train_args("bad.tcnn", {"--reduce", "fast"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "trenchcoat: --reduce fast: only with --distributed\n");
}

}  // namespace
