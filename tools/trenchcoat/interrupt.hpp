#pragma once
// Ctrl-C during training: the first SIGINT (or SIGTERM) only sets a flag, which the
// training loop reads between optimizer steps, so the step in flight finishes and a
// resumable checkpoint is written before the program exits. A second signal while
// that is under way restores the default action: the user who presses Ctrl-C twice
// gets the immediate stop they asked for.

namespace trenchcoat::cli {

// Installs the handlers; they stay until the InterruptGuard is destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// Whether a signal arrived since the guard was installed.
bool interrupt_requested() noexcept;

// The signal that arrived (SIGINT or SIGTERM), 0 for none.
int interrupt_signal() noexcept;

}  // namespace trenchcoat::cli
