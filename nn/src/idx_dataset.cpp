#include "trenchcoat/nn/idx_dataset.hpp"

#include <cmath>
#include <string>
#include <system_error>
#include <vector>

#include "huge_pages.hpp"

namespace trenchcoat::nn {
namespace {

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw IdxError(std::string(name) + ": " + what);
}

std::string shape_of(const IdxArray& a) {
  std::string s;
  for (std::size_t i = 0; i < a.dims.size(); ++i) s += (i ? " x " : "") + std::to_string(a.dims[i]);
  return s;
}

// rows x cols of one image (rows 1 for N x features arrays).
std::pair<std::int64_t, std::int64_t> image_shape(const IdxArray& images) {
  if (images.dims.size() == 2) return {1, images.dims[1]};
  return {images.dims[1], images.dims[2]};
}

}  // namespace

Dataset idx_classification(const IdxArray& images, std::string_view images_name, const IdxArray& labels,
                           std::string_view labels_name, std::int32_t classes) {
  if (images.type != IdxType::u8) {
    fail(images_name, "images must be u8 (idx type 0x08), this file holds " + std::string(idx_type_name(images.type)));
  }
  if (images.dims.size() != 2 && images.dims.size() != 3) {
    fail(images_name, "images must be N x rows x cols (or N x features), this file is " + shape_of(images));
  }
  if (labels.type != IdxType::u8) {
    fail(labels_name, "labels must be u8 (idx type 0x08), this file holds " + std::string(idx_type_name(labels.type)));
  }
  if (labels.dims.size() != 1) fail(labels_name, "labels must be a vector of N, this file is " + shape_of(labels));
  if (images.dims[0] != labels.dims[0]) {
    fail(labels_name, "holds " + std::to_string(labels.dims[0]) + " labels for the " +
                          std::to_string(images.dims[0]) + " images of " + std::string(images_name));
  }
  // parse_idx guarantees data.size() == elements(); checked again because the arrays
  // may have been built by hand.
  if (static_cast<std::int64_t>(images.data.size()) != images.elements() ||
      static_cast<std::int64_t>(labels.data.size()) != labels.elements()) {
    fail(images_name, "the element data does not match the dimensions");
  }
  const std::int64_t n = images.dims[0];
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = labels.data[static_cast<std::size_t>(i)];
    if (label >= classes) {
      fail(labels_name, "label " + std::to_string(label) + " of sample " + std::to_string(i) + " is outside [0, " +
                            std::to_string(classes) + ")");
    }
  }
  const auto [rows, cols] = image_shape(images);
  Dataset d = Dataset::classification(n, rows * cols, classes);
  // A true division (not a multiply by 1/255): every pixel is the correctly rounded
  // value / 255, the same float on every machine; vectorised, 47 M of them take a
  // few milliseconds.
  for (std::size_t i = 0; i < images.data.size(); ++i) d.x[i] = static_cast<float>(images.data[i]) / 255.0f;
  // The pixels themselves too, for training's gathers (Dataset::x_bytes).
  // In huge pages like x (dataset.cpp): a batch's rows are far apart, and with 4 KiB
  // pages every row would also cost a TLB miss, a long one under a hypervisor.
  d.x_bytes.reserve(images.data.size());
  detail::advise_huge_pages(d.x_bytes.data(), images.data.size());
  d.x_bytes.assign(images.data.begin(), images.data.end());
  d.byte_divisor = 255.0f;
  for (std::int64_t i = 0; i < n; ++i) d.labels[static_cast<std::size_t>(i)] = labels.data[static_cast<std::size_t>(i)];
  return d;
}

std::filesystem::path find_idx_file(const std::filesystem::path& dir, std::string_view name) {
  std::error_code ec;
  std::filesystem::path plain = dir / name;  // not const: returned by moving
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  std::filesystem::path gz = plain;
  gz += ".gz";
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  fail(dir.string(), "holds neither " + std::string(name) + " nor " + std::string(name) + ".gz");
}

namespace {

Dataset load_pair(const std::filesystem::path& dir, std::string_view images_file, std::string_view labels_file,
                  std::int32_t classes, std::pair<std::int64_t, std::int64_t>* shape) {
  const std::filesystem::path images_path = find_idx_file(dir, images_file);
  const std::filesystem::path labels_path = find_idx_file(dir, labels_file);
  const IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  Dataset d = idx_classification(images, images_path.string(), labels, labels_path.string(), classes);
  if (shape != nullptr) *shape = image_shape(images);
  return d;
}

}  // namespace

ImageDatasets load_idx_folder(const std::filesystem::path& dir, std::int32_t classes) {
  ImageDatasets out;
  std::pair<std::int64_t, std::int64_t> train_shape, test_shape;
  out.train = load_pair(dir, kIdxTrainImages, kIdxTrainLabels, classes, &train_shape);
  out.test = load_pair(dir, kIdxTestImages, kIdxTestLabels, classes, &test_shape);
  if (train_shape != test_shape) {
    fail(dir.string(), "training images are " + std::to_string(train_shape.first) + " x " +
                           std::to_string(train_shape.second) + ", test images " + std::to_string(test_shape.first) +
                           " x " + std::to_string(test_shape.second));
  }
  out.rows = train_shape.first;
  out.cols = train_shape.second;
  return out;
}

Dataset load_idx_test_set(const std::filesystem::path& dir, std::int32_t classes) {
  return load_pair(dir, kIdxTestImages, kIdxTestLabels, classes, nullptr);
}

Standardization standardization(const Dataset& data) {
  double sum = 0.0, sum_sq = 0.0;
  for (float v : data.x) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
  }
  const auto n = static_cast<double>(data.x.size());
  if (n == 0) return {};
  const double mean = sum / n;
  const double var = std::max(0.0, sum_sq / n - mean * mean);
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(var))};
}

void standardize(Dataset& data, Standardization s) {
  if (!(s.stddev > 0.0f) || !std::isfinite(s.stddev) || !std::isfinite(s.mean)) return;
  const float inv = 1.0f / s.stddev;
  for (float& v : data.x) v = (v - s.mean) * inv;
  // The features are no longer bytes / divisor; the copy's memory goes too.
  std::vector<std::uint8_t>().swap(data.x_bytes);
}

}  // namespace trenchcoat::nn
