#pragma once
// Replacing a file so that a crash at any moment leaves either the old file or the
// complete new one, never a mix: the bytes go to a temporary file in the same
// directory, which is flushed and fsync'ed, then renamed over the target (atomic on
// POSIX file systems), and the directory is fsync'ed so the rename itself is
// durable. On any failure the temporary file is removed and the target is untouched.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

namespace trenchcoat::nn {

// Throws std::runtime_error naming the path and the system's reason. `before_rename`
// (for tests) runs after the temporary file is complete and synced; if it throws,
// the save is abandoned like any other failure.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                           const std::function<void()>& before_rename = {});

}  // namespace trenchcoat::nn
