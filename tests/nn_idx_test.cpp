// The idx reader and the idx folder loader: valid files (plain and gzip'd) and every
// way a file can be wrong, each an IdxError naming the file and the problem.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/idx_fixtures.hpp"
#include "trenchcoat/nn/idx.hpp"
#include "trenchcoat/nn/idx_dataset.hpp"

namespace {

using namespace trenchcoat::nn;
using trenchcoat::testing::Bytes;
using trenchcoat::testing::gzip;
using trenchcoat::testing::idx_file;

Bytes iota_bytes(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7);
  return b;
}

// parse_idx must throw IdxError whose message names the source and contains `part`.
void expect_error(const Bytes& bytes, const std::string& part) {
  try {
    parse_idx(bytes, "fixture.idx");
    FAIL() << "accepted; expected an error containing \"" << part << "\"";
  } catch (const IdxError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("fixture.idx: ", 0), 0u) << what;
    EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("tc_idx_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(IdxParse, PlainU8ThreeDimensions) {
  const Bytes payload = iota_bytes(std::size_t{2} * 3 * 4);
  const IdxArray a = parse_idx(idx_file(0x08, {2, 3, 4}, payload), "x");
  EXPECT_EQ(a.type, IdxType::u8);
  EXPECT_EQ(a.dims, (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(a.elements(), 24);
  EXPECT_EQ(a.data, payload);
}

TEST(IdxParse, GzipGivesTheSameArray) {
  const Bytes file = idx_file(0x08, {5, 7}, iota_bytes(35));
  const IdxArray plain = parse_idx(file, "x");
  const IdxArray gz = parse_idx(gzip(file), "x.gz");
  EXPECT_EQ(gz.dims, plain.dims);
  EXPECT_EQ(gz.data, plain.data);
}

TEST(IdxParse, ConcatenatedGzipMembersAreOneStream) {
  const Bytes file = idx_file(0x08, {100}, iota_bytes(100));
  const Bytes head(file.begin(), file.begin() + 30), tail(file.begin() + 30, file.end());
  Bytes both = gzip(head);
  const Bytes second = gzip(tail);
  both.insert(both.end(), second.begin(), second.end());
  EXPECT_EQ(parse_idx(both, "x").data, parse_idx(file, "x").data);
}

TEST(IdxParse, WiderTypesKeepTheirBytes) {
  const IdxArray a = parse_idx(idx_file(0x0D, {3}, iota_bytes(12)), "f");
  EXPECT_EQ(a.type, IdxType::f32);
  EXPECT_EQ(a.data.size(), 12u);
  expect_error(idx_file(0x0B, {3}, iota_bytes(5)), "need 6 bytes");
}

TEST(IdxParse, RejectsTruncatedFiles) {
  expect_error({}, "truncated");
  expect_error({0, 0, 8}, "truncated");
  expect_error({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, "header needs 16 bytes");
  expect_error(idx_file(0x08, {10, 10}, iota_bytes(99)), "need 100 bytes of data, the file holds 99");
}

TEST(IdxParse, RejectsTrailingBytes) { expect_error(idx_file(0x08, {4}, iota_bytes(5)), "1 byte after"); }

TEST(IdxParse, RejectsBadMagic) {
  Bytes file = idx_file(0x08, {2}, iota_bytes(2));
  file[1] = 1;
  expect_error(file, "not an idx file");
  expect_error(Bytes{'P', '5', '\n', '2'}, "not an idx file");
}

TEST(IdxParse, RejectsUnknownType) { expect_error(idx_file(0x07, {2}, iota_bytes(2)), "unknown idx element type 0x07"); }

TEST(IdxParse, RejectsDimensionCounts) {
  expect_error(Bytes{0, 0, 8, 0}, "0 dimensions");
  expect_error(idx_file(0x08, std::vector<std::uint32_t>(9, 1), {1}), "9 dimensions");
}

TEST(IdxParse, RejectsZeroDimension) { expect_error(idx_file(0x08, {3, 0}, {}), "dimension 1 is 0"); }

TEST(IdxParse, RejectsOverflowingDimensionsWithoutAllocating) {
  // The product of these overflows 64 bits many times over; the reader must stop at
  // its limit, before any multiplication wraps or any allocation.
  expect_error(idx_file(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}), "exceed");
  expect_error(idx_file(0x0E, {0x40000000u, 8}, {}), "exceed");
}

TEST(IdxParse, RejectsGzipGarbage) {
  expect_error(Bytes{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "gzip");
  Bytes gz = gzip(idx_file(0x08, {64}, iota_bytes(64)));
  gz[gz.size() / 2] ^= 0xFF;
  gz[gz.size() / 2 + 1] ^= 0xA5;
  EXPECT_THROW(parse_idx(gz, "x"), IdxError);
}

TEST(IdxParse, RejectsTruncatedGzip) {
  const Bytes gz = gzip(idx_file(0x08, {1000}, iota_bytes(1000)));
  for (std::size_t keep : {std::size_t{2}, std::size_t{11}, gz.size() / 2, gz.size() - 9, gz.size() - 1}) {
    EXPECT_THROW(parse_idx(Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(keep)), "x"), IdxError) << keep;
  }
}

TEST(IdxParse, RejectsTrailingGarbageAfterGzip) {
  Bytes gz = gzip(idx_file(0x08, {4}, iota_bytes(4)));
  gz.push_back(0);
  gz.push_back(1);
  expect_error(gz, "garbage after the gzip stream");
}

TEST(IdxParse, RejectsGzipThatCannotHoldItsClaim) {
  // 2 GiB claimed by a stream of a few dozen bytes: refused before allocating.
  expect_error(gzip(idx_file(0x08, {0x8000u, 0x10000u}, {})), "can hold");
}

TEST(IdxParse, GzipBombStopsAtTheClaimedSize) {
  // 64 MiB of zeros compress to ~64 KiB; the header claims 16 bytes. The reader must
  // stop right after them instead of inflating everything.
  Bytes file = idx_file(0x08, {16}, Bytes(std::size_t{64} << 20, 0));
  expect_error(gzip(file, Z_BEST_COMPRESSION), "more bytes than the 16");
}

TEST(IdxParse, GzipShorterThanItsDimensions) {
  expect_error(gzip(idx_file(0x08, {100}, iota_bytes(60))), "it decompresses to 60");
}

TEST(IdxRead, NamesMissingFilesAndDirectories) {
  TempDir dir;
  try {
    read_idx(dir.path() / "nope");
    FAIL();
  } catch (const IdxError& e) {
    EXPECT_NE(std::string(e.what()).find("nope: no such file"), std::string::npos) << e.what();
  }
  try {
    read_idx(dir.path());
    FAIL();
  } catch (const IdxError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(IdxDataset, ScalesPixelsAndKeepsLabels) {
  const IdxArray images = parse_idx(idx_file(0x08, {2, 1, 2}, Bytes{0, 255, 51, 102}), "i");
  const IdxArray labels = parse_idx(idx_file(0x08, {2}, Bytes{3, 9}), "l");
  const Dataset d = idx_classification(images, "i", labels, "l", 10);
  EXPECT_EQ(d.samples, 2);
  EXPECT_EQ(d.features, 2);
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(d.x, (std::vector<float>{0.0f, 1.0f, 51.0f / 255.0f, 102.0f / 255.0f}));
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{3, 9}));
}

void expect_dataset_error(const Bytes& images, const Bytes& labels, const std::string& who, const std::string& part) {
  try {
    idx_classification(parse_idx(images, "images.idx"), "images.idx", parse_idx(labels, "labels.idx"), "labels.idx", 10);
    FAIL() << "accepted; expected " << part;
  } catch (const IdxError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(who + ": ", 0), 0u) << what;
    EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

TEST(IdxDataset, RejectsCountMismatch) {
  expect_dataset_error(idx_file(0x08, {3, 2, 2}, iota_bytes(12)), idx_file(0x08, {2}, Bytes{1, 2}), "labels.idx",
                       "2 labels for the 3 images");
}

TEST(IdxDataset, RejectsLabelOutOfRange) {
  expect_dataset_error(idx_file(0x08, {2, 2, 2}, iota_bytes(8)), idx_file(0x08, {2}, Bytes{1, 10}), "labels.idx",
                       "label 10 of sample 1 is outside [0, 10)");
}

TEST(IdxDataset, RejectsWrongTypesAndShapes) {
  expect_dataset_error(idx_file(0x0B, {2, 2}, iota_bytes(8)), idx_file(0x08, {2}, Bytes{1, 2}), "images.idx",
                       "must be u8");
  expect_dataset_error(idx_file(0x08, {4}, iota_bytes(4)), idx_file(0x08, {4}, Bytes{1, 2, 3, 4}), "images.idx",
                       "N x rows x cols");
  expect_dataset_error(idx_file(0x08, {2, 2}, iota_bytes(4)), idx_file(0x08, {2, 1}, Bytes{1, 2}), "labels.idx",
                       "vector of N");
}

TEST(IdxFolder, LoadsPlainAndGzipFolders) {
  TempDir dir;
  trenchcoat::testing::write_idx_folder(dir.path() / "plain", 30, 12, 4, 5, 3, false);
  trenchcoat::testing::write_idx_folder(dir.path() / "gz", 30, 12, 4, 5, 3, true);
  const ImageDatasets a = load_idx_folder(dir.path() / "plain");
  const ImageDatasets b = load_idx_folder(dir.path() / "gz");
  EXPECT_EQ(a.rows, 4);
  EXPECT_EQ(a.cols, 5);
  EXPECT_EQ(a.train.samples, 30);
  EXPECT_EQ(a.test.samples, 12);
  EXPECT_EQ(a.train.features, 20);
  EXPECT_EQ(a.train.x, b.train.x);
  EXPECT_EQ(a.test.labels, b.test.labels);
  EXPECT_NO_THROW(a.train.validate());
  const Dataset t = load_idx_test_set(dir.path() / "gz");
  EXPECT_EQ(t.x, a.test.x);
}

TEST(IdxFolder, NamesTheMissingFile) {
  TempDir dir;
  trenchcoat::testing::write_idx_folder(dir.path(), 10, 10, 2, 2, 2);
  std::filesystem::remove(dir.path() / "t10k-labels-idx1-ubyte");
  try {
    load_idx_folder(dir.path());
    FAIL();
  } catch (const IdxError& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-labels-idx1-ubyte.gz"), std::string::npos) << e.what();
  }
}

TEST(IdxFolder, RejectsTrainAndTestShapesThatDiffer) {
  TempDir dir;
  trenchcoat::testing::write_idx_folder(dir.path(), 10, 10, 2, 2, 2);
  trenchcoat::testing::write_bytes(dir.path() / "t10k-images-idx3-ubyte",
                                   idx_file(0x08, {10, 1, 4}, iota_bytes(40)));
  EXPECT_THROW(load_idx_folder(dir.path()), IdxError);
}

TEST(IdxFolder, KeepsThePixelsAsBytesThatDecodeToTheFeatures) {
  TempDir dir;
  trenchcoat::testing::write_idx_folder(dir.path(), 30, 12, 4, 5, 3, false);
  const ImageDatasets a = load_idx_folder(dir.path());
  ASSERT_EQ(a.train.x_bytes.size(), a.train.x.size());
  EXPECT_EQ(a.train.byte_divisor, 255.0f);
  for (std::size_t i = 0; i < a.train.x.size(); ++i) {
    ASSERT_EQ(a.train.x[i], static_cast<float>(a.train.x_bytes[i]) / 255.0f) << i;
  }
  EXPECT_NO_THROW(a.test.check_bytes());
  // A slice keeps its rows' bytes.
  const Dataset s = a.train.slice(10, 20);
  ASSERT_EQ(s.x_bytes.size(), s.x.size());
  EXPECT_NO_THROW(s.validate());
  EXPECT_TRUE(std::equal(s.x_bytes.begin(), s.x_bytes.end(), a.train.x_bytes.begin() + 10 * a.train.features));
}

TEST(DatasetBytes, RejectsACopyThatDoesNotDecodeToTheFeatures) {
  Dataset d = Dataset::classification(2, 3, 2);
  d.x_bytes = {0, 51, 255, 102, 0, 0};
  d.byte_divisor = 255.0f;
  for (std::size_t i = 0; i < d.x.size(); ++i) d.x[i] = static_cast<float>(d.x_bytes[i]) / 255.0f;
  EXPECT_NO_THROW(d.validate());
  auto message = [&] {
    try {
      d.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  Dataset good = d;
  d.x[4] = -0.0f;  // equal as a float, other bits: the gather would not reproduce it
  EXPECT_NE(message().find("feature 1 of sample 1"), std::string::npos) << message();
  d = good;
  d.x[2] = 0.5f;
  EXPECT_NE(message().find("feature 2 of sample 0 is 0.5"), std::string::npos) << message();
  d = good;
  d.x_bytes.pop_back();
  EXPECT_NE(message().find("5 bytes for 6 features"), std::string::npos) << message();
  // Divisors that are not normal, or so large that decoded bytes would be subnormal
  // (which the training threads flush to zero).
  for (float divisor : {0.0f, -255.0f, std::nanf(""), 1e-40f, 1e38f}) {
    d = good;
    d.byte_divisor = divisor;
    EXPECT_NE(message().find("positive normal float no larger than 2^126"), std::string::npos) << message();
  }
  // A mismatch past the first 4096-element block of the check, in a wider set.
  Dataset wide = Dataset::classification(3, 2000, 2);
  wide.x_bytes.assign(wide.x.size(), 7);
  wide.byte_divisor = 0x1p126f;  // the largest accepted: byte 1 decodes to the smallest normal float
  for (float& v : wide.x) v = 7.0f / 0x1p126f;
  EXPECT_NO_THROW(wide.validate());
  wide.x[5000] = 0.0f;
  try {
    wide.validate();
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("feature 1000 of sample 2 is 0 (0x0p+0) but its byte 7"), std::string::npos)
        << e.what();
  }
}

TEST(Standardization, DropsTheByteCopy) {
  Dataset d = Dataset::classification(2, 2, 2);
  d.x_bytes = {0, 255, 51, 102};
  d.byte_divisor = 255.0f;
  for (std::size_t i = 0; i < d.x.size(); ++i) d.x[i] = static_cast<float>(d.x_bytes[i]) / 255.0f;
  standardize(d, standardization(d));
  EXPECT_TRUE(d.x_bytes.empty());
  EXPECT_NO_THROW(d.validate());
}

TEST(Standardization, ZeroMeanUnitVariance) {
  Dataset d = Dataset::classification(4, 2, 2);
  d.x = {0.0f, 1.0f, 0.5f, 0.5f, 0.25f, 0.75f, 1.0f, 0.0f};
  const Standardization s = standardization(d);
  EXPECT_NEAR(s.mean, 0.5f, 1e-6);
  standardize(d, s);
  double sum = 0, sq = 0;
  for (float v : d.x) {
    sum += v;
    sq += v * v;
  }
  EXPECT_NEAR(sum / 8, 0.0, 1e-6);
  EXPECT_NEAR(sq / 8, 1.0, 1e-5);
}

}  // namespace
