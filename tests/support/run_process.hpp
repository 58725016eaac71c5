#pragma once
// Running a program from a test: its exit status and what it wrote on stdout and
// stderr, with extra environment variables. Used to drive the `trenchcoat` binary the
// way a user does.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace trenchcoat::testing {

struct ProcessResult {
  int status = -1;  // exit status; 128 + signal when killed by one
  std::string out, err;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Process {
 public:
  // Starts `argv` in the folder `scratch`, with stdout and stderr going to files there
  // (argv[0] must be an absolute path).
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const std::filesystem::path& scratch)
      : out_path_(scratch / "stdout.txt"), err_path_(scratch / "stderr.txt") {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      if (env.count(kv.substr(0, kv.find('='))) == 0) env_strings.push_back(kv);
    }
    for (const auto& [k, v] : env) {
      std::string kv = k;
      kv += '=';
      kv += v;
      env_strings.push_back(std::move(kv));
    }
    std::vector<char*> envp, args;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& s : argv_copy) args.push_back(s.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // In the scratch folder, so files a program writes by default land there.
    posix_spawn_file_actions_addchdir_np(&actions, scratch.c_str());
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  }

  pid_t pid() const noexcept { return pid_; }
  std::string stdout_so_far() const { return read_text(out_path_); }
  const std::filesystem::path& stderr_path() const noexcept { return err_path_; }

  ProcessResult wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    ProcessResult r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_text(out_path_);
    r.err = read_text(err_path_);
    return r;
  }

 private:
  std::filesystem::path out_path_, err_path_;
  pid_t pid_ = -1;
};

inline ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                 const std::filesystem::path& scratch) {
  return Process(argv, env, scratch).wait();
}

}  // namespace trenchcoat::testing
