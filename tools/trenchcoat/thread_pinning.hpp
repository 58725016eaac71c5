#pragma once
// `--pin`: each thread of every oneTBB arena runs on its own core. oneTBB never pins
// (DESIGN.md), so a task_scheduler_observer pins a thread when it joins an arena: the
// thread in arena slot k goes to the k-th core this process may use (slot 0, the
// caller, to the first). The calling thread itself is pinned to the first core too
// (one-thread Contexts run on it without an arena) until destruction restores its mask.
//
// Create it after everything that asks how many cores this process may use
// (available_cores(), Context(threads = 0)): the caller's mask is one core meanwhile.

#include <memory>
#include <string>

namespace trenchcoat::cli {

class ThreadPinning {
 public:
  ThreadPinning();  // starts pinning (never throws)
  ~ThreadPinning();
  ThreadPinning(const ThreadPinning&) = delete;
  ThreadPinning& operator=(const ThreadPinning&) = delete;

  bool active() const noexcept;
  // One line: the cores used, or why pinning is not available.
  const std::string& description() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trenchcoat::cli
