#pragma once
// Files the CLI writes (models, JSON results): checked before any work starts, so
// that an unwritable path is a usage error in a second rather than a failure after
// a long run, and written atomically (nn/atomic_file.hpp), so a crash or Ctrl-C
// never leaves half a file behind.

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trenchcoat::cli {

// Throws UsageError ("--save /x/y.tcnn: directory /x does not exist") unless `path`
// could be created or replaced: its directory exists and is writable, and the path
// itself is not a directory or another non-regular file.
void require_writable(const std::filesystem::path& path, std::string_view flag);

// Pretty-printed (two-space indent) JSON followed by a newline, written atomically.
void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& json);

}  // namespace trenchcoat::cli
