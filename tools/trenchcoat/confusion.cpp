#include "confusion.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace trenchcoat::cli {
namespace {

std::string row_name(std::span<const std::string> names, std::int32_t i) {
  return static_cast<std::size_t>(i) < names.size() ? fmt::format("{} {}", i, names[static_cast<std::size_t>(i)])
                                                    : std::to_string(i);
}

std::size_t name_width(const Confusion& c, std::span<const std::string> names) {
  std::size_t w = 5;
  for (std::int32_t i = 0; i < c.classes; ++i) w = std::max(w, row_name(names, i).size());
  return w;
}

}  // namespace

std::int64_t Confusion::support(std::int32_t truth) const noexcept {
  std::int64_t n = 0;
  for (std::int32_t p = 0; p < classes; ++p) n += at(truth, p);
  return n;
}

double Confusion::class_accuracy(std::int32_t truth) const noexcept {
  const std::int64_t n = support(truth);
  return n > 0 ? static_cast<double>(at(truth, truth)) / static_cast<double>(n)
               : std::numeric_limits<double>::quiet_NaN();
}

Confusion confusion_matrix(std::span<const std::int32_t> labels, std::span<const std::int32_t> predicted,
                           std::int32_t classes) {
  Confusion c;
  c.classes = classes;
  c.counts.assign(static_cast<std::size_t>(classes) * static_cast<std::size_t>(classes), 0);
  const std::size_t n = std::min(labels.size(), predicted.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t t = labels[i], p = predicted[i];
    if (t < 0 || t >= classes || p < 0 || p >= classes) continue;  // cannot happen for validated data
    ++c.counts[static_cast<std::size_t>(t) * static_cast<std::size_t>(classes) + static_cast<std::size_t>(p)];
  }
  return c;
}

std::string format_confusion(const Confusion& c, std::span<const std::string> names) {
  std::int64_t largest = 1;
  for (std::int64_t v : c.counts) largest = std::max(largest, v);
  const std::size_t cell = std::max<std::size_t>(std::to_string(largest).size(), 2) + 1;
  const std::size_t first = name_width(c, names);
  std::string out = fmt::format("{:>{}}", "true\\pred", first);
  for (std::int32_t p = 0; p < c.classes; ++p) out += fmt::format("{:>{}}", p, cell);
  out += '\n';
  for (std::int32_t t = 0; t < c.classes; ++t) {
    out += fmt::format("{:>{}}", row_name(names, t), first);
    for (std::int32_t p = 0; p < c.classes; ++p) out += fmt::format("{:>{}}", c.at(t, p), cell);
    out += '\n';
  }
  return out;
}

std::string format_class_accuracy(const Confusion& c, std::span<const std::string> names) {
  const std::size_t first = name_width(c, names);
  std::string out = fmt::format("{:>{}}  {:>8}  {:>8}\n", "class", first, "samples", "accuracy");
  for (std::int32_t t = 0; t < c.classes; ++t) {
    const double acc = c.class_accuracy(t);
    out += fmt::format("{:>{}}  {:>8}  {:>8}\n", row_name(names, t), first, c.support(t),
                       acc == acc ? fmt::format("{:.2f}%", 100.0 * acc) : std::string("-"));
  }
  return out;
}

}  // namespace trenchcoat::cli
