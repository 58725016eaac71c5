#pragma once
// What `--data` names and how it becomes training and test sets:
//
//   mnist          the four idx files in $TRENCHCOAT_DATA_DIR/mnist, else <source tree>/data/mnist;
//                  fetched with tools/setup/fetch-mnist.sh when missing
//   fashion-mnist  $TRENCHCOAT_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist
//                  (Debian package dataset-fashion-mnist)
//   xor            the 4-sample XOR table (training and test set alike)
//   anything else  a directory holding the four idx files (plain or .gz)

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "trenchcoat/nn/dataset.hpp"

namespace trenchcoat::cli {

enum class DataKind { mnist, fashion_mnist, xor_table, folder };

struct DataChoice {
  DataKind kind = DataKind::mnist;
  std::string name;           // "mnist", "fashion-mnist", "xor" or the directory as given
  std::filesystem::path dir;  // where the files are (empty for xor)
};

// Pure: names the source; a directory is not looked at yet.
DataChoice parse_data_choice(std::string_view arg);

std::filesystem::path default_mnist_dir();
std::filesystem::path default_fashion_mnist_dir();

struct LoadedData {
  nn::Dataset train;          // empty (samples 0) when only the test set was asked for
  nn::Dataset test;
  std::int64_t rows = 0, cols = 0;  // image shape (0 for xor)
  // Classes of the data set: 10 for MNIST and Fashion-MNIST, 2 for xor, the largest
  // label + 1 for a folder. train.classes and test.classes equal it.
  std::int32_t classes = 0;
  std::vector<std::string> class_names;  // empty when the classes have no names
  double seconds = 0.0;       // reading and converting (a download excluded)
};

// Loads the test set, and the training set too when `with_train`. MNIST missing from
// its folder is fetched first (progress on stderr). Throws UsageError when --data
// names nothing usable (a directory that does not exist), std::runtime_error when
// the files are missing or invalid (IdxError names the file).
LoadedData load_data(const DataChoice& choice, bool with_train);

// Relabels both sets with `classes` classes (a model's outputs). Throws UsageError
// when a label does not fit.
void set_classes(LoadedData& data, std::int32_t classes, std::string_view what);

}  // namespace trenchcoat::cli
