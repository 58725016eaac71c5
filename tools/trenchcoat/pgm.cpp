#include "pgm.hpp"

#include <fstream>
#include <system_error>

namespace trenchcoat::cli {
namespace {

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw PgmError(std::string(name) + ": " + what);
}

bool is_space(std::uint8_t c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(std::uint8_t c) noexcept { return c >= '0' && c <= '9'; }

// A cursor over the bytes that reads the header's and P2's decimal numbers.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string_view name) : b_(bytes), name_(name) {}

  std::size_t pos() const noexcept { return pos_; }
  std::size_t left() const noexcept { return b_.size() - pos_; }

  // Whitespace and '#' comments (to the end of the line).
  void skip_blanks() {
    while (pos_ < b_.size()) {
      if (is_space(b_[pos_])) {
        ++pos_;
      } else if (b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  // A decimal number in [lo, hi]; `what` names it in errors.
  std::int64_t number(const char* what, std::int64_t lo, std::int64_t hi) {
    skip_blanks();
    if (pos_ >= b_.size()) fail(name_, std::string("truncated: the file ends before the ") + what);
    if (!is_digit(b_[pos_])) fail(name_, std::string("expected the ") + what + " (a decimal number) at byte " + std::to_string(pos_));
    std::int64_t v = 0;
    while (pos_ < b_.size() && is_digit(b_[pos_])) {
      v = v * 10 + (b_[pos_] - '0');
      // Checked per digit, so a thousand-digit number stops at once instead of overflowing.
      if (v > hi) fail(name_, std::string("the ") + what + " exceeds " + std::to_string(hi));
      ++pos_;
    }
    if (pos_ < b_.size() && !is_space(b_[pos_]) && b_[pos_] != '#') {
      fail(name_, std::string("unexpected character after the ") + what + " at byte " + std::to_string(pos_));
    }
    if (v < lo) fail(name_, std::string("the ") + what + " is " + std::to_string(v) + ", at least " + std::to_string(lo) + " is needed");
    return v;
  }

  std::uint8_t byte() { return b_[pos_++]; }

 private:
  std::span<const std::uint8_t> b_;
  std::string_view name_;
  std::size_t pos_ = 0;
};

}  // namespace

GrayImage parse_pgm(std::span<const std::uint8_t> bytes, std::string_view name) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '2' && bytes[1] != '5')) {
    fail(name, "not a PGM image (it must start with P2 or P5)");
  }
  const bool binary = bytes[1] == '5';
  Reader r(bytes.subspan(2), name);
  if (r.left() > 0 && !is_space(bytes[2]) && bytes[2] != '#') fail(name, "not a PGM image (P2/P5 must be followed by whitespace)");
  GrayImage img;
  img.width = r.number("width", 1, kPgmMaxPixels);
  img.height = r.number("height", 1, kPgmMaxPixels);
  if (img.width * img.height > kPgmMaxPixels) {
    fail(name, std::to_string(img.width) + " x " + std::to_string(img.height) + " pixels is over the limit of " +
                   std::to_string(kPgmMaxPixels));
  }
  const std::int64_t maxval = r.number("maximum value", 1, 65535);
  const auto count = static_cast<std::size_t>(img.width * img.height);
  const float scale = 1.0f / static_cast<float>(maxval);
  if (binary) {
    // Exactly one whitespace byte separates maxval from the raster (a comment there
    // would be raster data).
    if (r.left() == 0) fail(name, "truncated: no pixel data");
    r.byte();
    const std::size_t sample_size = maxval > 255 ? 2 : 1;
    if (r.left() < count * sample_size) {
      fail(name, "truncated: " + std::to_string(img.width) + " x " + std::to_string(img.height) + " pixels need " +
                     std::to_string(count * sample_size) + " bytes of data, the file holds " + std::to_string(r.left()));
    }
    img.pixels.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      std::int64_t v = r.byte();
      if (sample_size == 2) v = (v << 8) | r.byte();
      if (v > maxval) fail(name, "pixel " + std::to_string(i) + " is " + std::to_string(v) + ", above the maximum value " + std::to_string(maxval));
      img.pixels[i] = static_cast<float>(v) * scale;
    }
    while (r.left() > 0) {
      if (!is_space(r.byte())) fail(name, "unexpected data after the " + std::to_string(count) + " pixels");
    }
  } else {
    // A P2 sample takes at least two bytes (a digit and a separator), so the file
    // length bounds what may be allocated before the numbers are read.
    if (r.left() / 2 + 1 < count) {
      fail(name, "truncated: " + std::to_string(count) + " pixels cannot fit in the " + std::to_string(r.left()) +
                     " bytes left");
    }
    img.pixels.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      img.pixels[i] = static_cast<float>(r.number("pixel value", 0, maxval)) * scale;
    }
    r.skip_blanks();
    if (r.left() > 0) fail(name, "unexpected data after the " + std::to_string(count) + " pixels");
  }
  return img;
}

GrayImage read_pgm(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    fail(name, std::filesystem::exists(path, ec) ? "is not a regular file" : "no such file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(name, "cannot read its size: " + ec.message());
  // Two bytes per pixel at most, plus a generous header: anything larger is not an
  // image predict could use.
  if (size > static_cast<std::uintmax_t>(kPgmMaxPixels) * 8 + 4096) fail(name, "is too large for a PGM image");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    fail(name, "cannot read it");
  }
  return parse_pgm(bytes, name);
}

}  // namespace trenchcoat::cli
