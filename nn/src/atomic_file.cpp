#include "trenchcoat/nn/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace trenchcoat::nn {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  throw std::runtime_error("cannot save " + path.string() + ": " + what + (err != 0 ? ": " + std::generic_category().message(err) : ""));
}

// Closes the descriptor and removes the temporary file unless released.
class TempFile {
 public:
  TempFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!name_.empty()) ::unlink(name_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const noexcept { return fd_; }
  const std::string& name() const noexcept { return name_; }
  int close() noexcept {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() noexcept { name_.clear(); }

 private:
  int fd_;
  std::string name_;
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                           const std::function<void()>& before_rename) {
  if (path.empty() || !path.has_filename()) fail(path, "the path names no file", 0);
  const std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  // Built by appends: GCC 12 misreports `"." + std::string` chains under -Wrestrict.
  std::string temp_name = ".";
  temp_name += path.filename().string();
  temp_name += ".tmp-XXXXXX";
  const std::string pattern = (dir / temp_name).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail(path, "cannot create a temporary file in " + dir.string(), errno);
  TempFile tmp(fd, name.data());
  // mkstemp makes the file private (0600); a saved model is an ordinary file.
  ::fchmod(tmp.fd(), 0644);

  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(tmp.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "writing " + tmp.name() + " failed", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) fail(path, "fsync of " + tmp.name() + " failed", errno);
  if (tmp.close() != 0) fail(path, "closing " + tmp.name() + " failed", errno);
  if (before_rename) before_rename();
  if (::rename(tmp.name().c_str(), path.c_str()) != 0) fail(path, "renaming " + tmp.name() + " over it failed", errno);
  tmp.release();
  // Make the rename durable; a failure here leaves a complete new file in place, so
  // it is not reported.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace trenchcoat::nn
