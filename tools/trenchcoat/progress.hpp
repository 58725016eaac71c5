#pragma once
// The live progress line of `trenchcoat train`: epoch, a bar, samples/s, the
// epoch's running loss and the time left in the epoch. It is drawn only when stdout
// is a terminal (a log file or a pipe gets the per-epoch summary lines alone), at
// most ten times a second so that drawing never shows up in the training time, and
// erased before anything else is printed.

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace trenchcoat::cli {

class ProgressBar {
 public:
  // Draws on `out` when `enabled` (callers pass: not --quiet and isatty(stdout)).
  ProgressBar(std::FILE* out, bool enabled, std::int64_t epochs);

  bool enabled() const noexcept { return enabled_; }

  // Call at the start of each epoch (0-based `epoch`), possibly mid-epoch when a run
  // is resumed: `done` samples of `total` are already behind.
  void start_epoch(std::int64_t epoch, std::int64_t done, std::int64_t total);
  // After each step: `rows` more samples, with this batch's mean loss.
  void step(std::int64_t rows, double loss);
  // Erases the line (before a summary line or a message is printed).
  void clear();

 private:
  void draw(std::chrono::steady_clock::time_point now);

  std::FILE* out_;
  bool enabled_;
  std::int64_t epochs_;
  std::int64_t epoch_ = 0, done_ = 0, total_ = 0, seen_ = 0;
  double loss_sum_ = 0.0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Whether `f` is a terminal.
bool is_terminal(std::FILE* f) noexcept;

}  // namespace trenchcoat::cli
