#pragma once
// Confusion matrices for `train` and `eval`: counts[true class][predicted class],
// per-class accuracy (recall), and their text form.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trenchcoat::cli {

struct Confusion {
  std::int32_t classes = 0;
  std::vector<std::int64_t> counts;  // classes x classes, row = true class

  std::int64_t at(std::int32_t truth, std::int32_t predicted) const noexcept {
    return counts[static_cast<std::size_t>(truth) * static_cast<std::size_t>(classes) + static_cast<std::size_t>(predicted)];
  }
  std::int64_t support(std::int32_t truth) const noexcept;  // samples of that class
  double class_accuracy(std::int32_t truth) const noexcept;  // NaN for a class with no samples
};

// labels and predicted have one entry per sample, each in [0, classes).
Confusion confusion_matrix(std::span<const std::int32_t> labels, std::span<const std::int32_t> predicted,
                           std::int32_t classes);

// The matrix as aligned text, one row per true class; `names` (optional, one per
// class) label the rows.
std::string format_confusion(const Confusion& c, std::span<const std::string> names = {});
// "class  samples  accuracy" lines.
std::string format_class_accuracy(const Confusion& c, std::span<const std::string> names = {});

}  // namespace trenchcoat::cli
