#include "trenchcoat/nn/dataset.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "byte_features.hpp"
#include "huge_pages.hpp"

namespace trenchcoat::nn {
namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("dataset: " + what); }

std::size_t checked_elements(std::int64_t rows, std::int64_t cols, const char* what) {
  if (rows < 1 || cols < 1) {
    bad(std::string(what) + " must be at least 1 x 1, not " + std::to_string(rows) + " x " + std::to_string(cols));
  }
  if (rows > std::numeric_limits<std::int64_t>::max() / cols ||
      rows * cols > static_cast<std::int64_t>(std::numeric_limits<std::size_t>::max() / sizeof(float) / 2)) {
    bad(std::string(what) + " of " + std::to_string(rows) + " x " + std::to_string(cols) + " is too large");
  }
  return static_cast<std::size_t>(rows * cols);
}

// n zero floats, in huge pages where the kernel allows them: the storage is reserved
// (not touched), advised, and only then zero-filled.
void resize_zeroed(std::vector<float>& v, std::size_t n) {
  v.reserve(n);
  detail::advise_huge_pages(v.data(), n * sizeof(float));
  v.resize(n);
}

}  // namespace

Dataset Dataset::classification(std::int64_t samples, std::int64_t features, std::int32_t classes) {
  if (classes < 2) bad("a classification dataset needs at least 2 classes, not " + std::to_string(classes));
  Dataset d;
  resize_zeroed(d.x, checked_elements(samples, features, "the feature matrix"));
  d.samples = samples;
  d.features = features;
  d.classes = classes;
  d.labels.resize(static_cast<std::size_t>(samples));
  return d;
}

Dataset Dataset::regression(std::int64_t samples, std::int64_t features, std::int64_t target_width) {
  Dataset d;
  resize_zeroed(d.x, checked_elements(samples, features, "the feature matrix"));
  resize_zeroed(d.targets, checked_elements(samples, target_width, "the target matrix"));
  d.samples = samples;
  d.features = features;
  d.target_width = target_width;
  return d;
}

void Dataset::validate() const {
  if (samples < 1 || features < 1) {
    bad("it holds " + std::to_string(samples) + " samples of " + std::to_string(features) +
        " features; both must be at least 1");
  }
  // Products checked: hand-made sizes must not wrap around to match empty storage.
  std::int64_t elements = 0;
  if (__builtin_mul_overflow(samples, features, &elements) || x.size() != static_cast<std::size_t>(elements)) {
    bad("the feature matrix holds " + std::to_string(x.size()) + " floats, not samples x features = " +
        std::to_string(samples) + " x " + std::to_string(features));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      bad("feature " + std::to_string(static_cast<std::int64_t>(i) % features) + " of sample " +
          std::to_string(static_cast<std::int64_t>(i) / features) + " is not finite");
    }
  }
  check_bytes();
  if (classes > 0) {
    if (classes < 2) bad("a classification dataset needs at least 2 classes");
    if (labels.size() != static_cast<std::size_t>(samples)) {
      bad(std::to_string(labels.size()) + " labels for " + std::to_string(samples) + " samples");
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0 || labels[i] >= classes) {
        bad("label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) + " is outside [0, " +
            std::to_string(classes) + ")");
      }
    }
    if (!targets.empty() || target_width != 0) bad("it has both class labels and regression targets");
  } else {
    if (target_width < 1) bad("it has neither class labels (classes >= 2) nor regression targets");
    if (__builtin_mul_overflow(samples, target_width, &elements) ||
        targets.size() != static_cast<std::size_t>(elements)) {
      bad("the target matrix holds " + std::to_string(targets.size()) + " floats, not samples x target_width = " +
          std::to_string(samples) + " x " + std::to_string(target_width));
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (!std::isfinite(targets[i])) {
        bad("target " + std::to_string(static_cast<std::int64_t>(i) % target_width) + " of sample " +
            std::to_string(static_cast<std::int64_t>(i) / target_width) + " is not finite");
      }
    }
    if (!labels.empty()) bad("it has both class labels and regression targets");
  }
}

void Dataset::check_bytes() const {
  if (x_bytes.empty()) return;
  if (features < 1 || x_bytes.size() != x.size() || x.size() % static_cast<std::size_t>(features) != 0) {
    bad("the byte copy of the features holds " + std::to_string(x_bytes.size()) + " bytes for " +
        std::to_string(x.size()) + " features");
  }
  // Normal, and small enough that every decoded byte but 0 is a normal float too:
  // the training threads flush subnormals to zero, which would make their decoding
  // differ from the floats (and from this check, run without that setting).
  if (!std::isnormal(byte_divisor) || byte_divisor < 0.0f || byte_divisor > 0x1p126f) {
    bad("the byte copy's divisor is " + std::to_string(byte_divisor) +
        "; it must be a positive normal float no larger than 2^126");
  }
  const std::int64_t bad_at = detail::first_undecoded_byte(x_bytes.data(), x.data(),
                                                           static_cast<std::int64_t>(x.size()), byte_divisor);
  if (bad_at >= 0) {
    const auto i = static_cast<std::size_t>(bad_at);
    // Nine significant digits and the exact value: the two often differ in the last
    // bit only (a multiply by 1/255 instead of a division by 255).
    const auto show = [](float v) {
      std::array<char, 64> text{};
      std::snprintf(text.data(), text.size(), "%.9g (%a)", static_cast<double>(v), static_cast<double>(v));
      return std::string(text.data());
    };
    bad("feature " + std::to_string(bad_at % features) + " of sample " + std::to_string(bad_at / features) +
        " is " + show(x[i]) + " but its byte " + std::to_string(x_bytes[i]) + " / " + show(byte_divisor) +
        " is " + show(static_cast<float>(x_bytes[i]) / byte_divisor) +
        " (a feature changed after loading without clearing x_bytes?)");
  }
}

Dataset Dataset::slice(std::int64_t begin, std::int64_t end) const {
  if (begin < 0 || end > samples || begin >= end) {
    bad("slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of " + std::to_string(samples) +
        " samples is empty or out of range");
  }
  Dataset d;
  d.samples = end - begin;
  d.features = features;
  d.classes = classes;
  d.target_width = target_width;
  d.x.assign(x.begin() + begin * features, x.begin() + end * features);
  if (!x_bytes.empty()) d.x_bytes.assign(x_bytes.begin() + begin * features, x_bytes.begin() + end * features);
  d.byte_divisor = byte_divisor;
  if (!labels.empty()) d.labels.assign(labels.begin() + begin, labels.begin() + end);
  if (!targets.empty()) d.targets.assign(targets.begin() + begin * target_width, targets.begin() + end * target_width);
  return d;
}

}  // namespace trenchcoat::nn
