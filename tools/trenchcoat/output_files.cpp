#include "output_files.hpp"

#include <unistd.h>

#include <string>
#include <system_error>

#include "cli_common.hpp"
#include "trenchcoat/nn/atomic_file.hpp"

namespace trenchcoat::cli {

void require_writable(const std::filesystem::path& path, std::string_view flag) {
  const std::string prefix = std::string(flag) + " " + path.string() + ": ";
  if (path.empty()) throw UsageError(std::string(flag) + ": empty path");
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status)) {
    if (std::filesystem::is_directory(status)) throw UsageError(prefix + "is a directory");
    if (!std::filesystem::is_regular_file(status)) throw UsageError(prefix + "is not a regular file");
  }
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  if (!std::filesystem::is_directory(dir, ec)) throw UsageError(prefix + "directory " + dir.string() + " does not exist");
  // The file is replaced by renaming a temporary file in the same directory, so the
  // directory (not the file) must be writable.
  if (access(dir.c_str(), W_OK | X_OK) != 0) throw UsageError(prefix + "directory " + dir.string() + " is not writable");
}

void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& json) {
  const std::string text = json.dump(2) + "\n";
  nn::write_file_atomically(path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace trenchcoat::cli
