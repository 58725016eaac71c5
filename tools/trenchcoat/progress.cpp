#include "progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace trenchcoat::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

int terminal_width(std::FILE* f) noexcept {
  winsize ws{};
  if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
  return 80;
}

std::string rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.0f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

}  // namespace

bool is_terminal(std::FILE* f) noexcept { return isatty(fileno(f)) == 1; }

ProgressBar::ProgressBar(std::FILE* out, bool enabled, std::int64_t epochs)
    : out_(out), enabled_(enabled), epochs_(epochs) {}

void ProgressBar::start_epoch(std::int64_t epoch, std::int64_t done, std::int64_t total) {
  epoch_ = epoch;
  done_ = done;
  total_ = total;
  seen_ = 0;
  loss_sum_ = 0.0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::step(std::int64_t rows, double loss) {
  if (!enabled_) return;
  seen_ += rows;
  loss_sum_ += loss * static_cast<double>(rows);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  draw(now);
}

void ProgressBar::draw(std::chrono::steady_clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const std::int64_t at = std::min(done_ + seen_, total_);
  const double per_second = seconds > 0 ? static_cast<double>(seen_) / seconds : 0.0;
  const double eta = per_second > 0 ? static_cast<double>(total_ - at) / per_second : 0.0;
  const std::string head = fmt::format("epoch {}/{} ", epoch_ + 1, epochs_);
  const std::string tail = fmt::format(" {:>3}% {}/s  loss {:.4f}  ETA {:.1f}s",
                                       total_ > 0 ? at * 100 / total_ : 0, rate(per_second),
                                       seen_ > 0 ? loss_sum_ / static_cast<double>(seen_) : 0.0, eta);
  const int room = terminal_width(out_) - 1 - static_cast<int>(head.size() + tail.size()) - 2;
  const int width = std::clamp(room, 0, 40);
  const int filled = total_ > 0 ? static_cast<int>(static_cast<double>(width) * static_cast<double>(at) /
                                                   static_cast<double>(total_))
                                : 0;
  std::string bar;
  if (width > 0) {
    bar.reserve(static_cast<std::size_t>(width) + 2);
    bar.push_back('[');
    bar.append(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    bar.push_back(']');
  }
  // \r and "erase to end of line" keep the line in place without scrolling.
  fmt::print(out_, "\r{}{}{}\x1b[K", head, bar, tail);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!enabled_ || !drawn_) return;
  fmt::print(out_, "\r\x1b[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace trenchcoat::cli
