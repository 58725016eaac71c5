#pragma once
// Image classification data sets stored as idx files (MNIST, Fashion-MNIST and any
// folder laid out like them) turned into nn Datasets.
//
//   ImageDatasets d = load_idx_folder("data/mnist");   // train 60000 x 784, test 10000 x 784
//   Standardization s = standardization(d.train);       // from the training images only
//   standardize(d.train, s);  standardize(d.test, s);
//
// A folder holds the four files under their original names, each plain or gzip'd
// (name + ".gz"):
//   train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
// Images are u8 idx arrays of N x rows x cols (or N x features); labels u8 arrays of
// N, each below the number of classes. Pixels become floats in [0, 1] (value / 255).

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/idx.hpp"

namespace trenchcoat::nn {

inline constexpr std::string_view kIdxTrainImages = "train-images-idx3-ubyte";
inline constexpr std::string_view kIdxTrainLabels = "train-labels-idx1-ubyte";
inline constexpr std::string_view kIdxTestImages = "t10k-images-idx3-ubyte";
inline constexpr std::string_view kIdxTestLabels = "t10k-labels-idx1-ubyte";

// One images + labels pair as a classification Dataset with `classes` classes. Throws
// IdxError naming the file at fault: images that are not u8 with 2 or 3 dimensions,
// labels that are not a u8 vector, counts that disagree, a label >= classes.
Dataset idx_classification(const IdxArray& images, std::string_view images_name, const IdxArray& labels,
                           std::string_view labels_name, std::int32_t classes = 10);

struct ImageDatasets {
  Dataset train;
  Dataset test;
  std::int64_t rows = 0, cols = 0;  // image shape (rows 1 for images stored as N x features)
};

// The path of `name` in `dir`, plain or with ".gz" (plain preferred); throws IdxError
// naming both candidates when neither is a file.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, std::string_view name);

// The four files of `dir`; train and test images must have the same shape. Throws
// IdxError (a missing file, or anything parse_idx / idx_classification reject).
ImageDatasets load_idx_folder(const std::filesystem::path& dir, std::int32_t classes = 10);
// Only the test pair (for evaluating or predicting without reading the training set).
Dataset load_idx_test_set(const std::filesystem::path& dir, std::int32_t classes = 10);

// One mean and standard deviation over every pixel of a set (per-pixel statistics
// would divide by zero on MNIST's always-black border).
struct Standardization {
  float mean = 0.0f;
  float stddev = 1.0f;
};
// Summed in double in index order: the same data always gives the same numbers.
Standardization standardization(const Dataset& data);
// x = (x - mean) / stddev for every feature (stddev <= 0 or not finite: unchanged).
void standardize(Dataset& data, Standardization s);

}  // namespace trenchcoat::nn
