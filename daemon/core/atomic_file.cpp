// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/core/unique_fd.hpp"

namespace cityedge {
namespace {

Code CodeFor(int err) {
  return err == ENOSPC || err == EDQUOT ? Code::kResourceExhausted : Code::kUnavailable;
}

std::unexpected<Error> Failed(std::string_view step, const std::string& what, int err) {
  return MakeError(CodeFor(err), "{} {}: {}", step, what, std::strerror(err));
}

int OpenRetrying(const FileSyscalls& sys, const char* path, int flags, mode_t mode) {
  int fd = -1;
  do {
    fd = sys.open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

int FsyncRetrying(const FileSyscalls& sys, int fd) {
  int rc = -1;
  do {
    rc = sys.fsync(fd);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

Status WriteAll(const FileSyscalls& sys, int fd, std::string_view bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = sys.write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failed("write", path, errno);
    // write(2) returns 0 only for a zero size; anything else would loop forever.
    if (n == 0) return Failed("write", path, EIO);
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

Status WriteAndSync(const FileSyscalls& sys, const std::string& tmp, std::string_view bytes,
                    mode_t mode) {
  UniqueFd fd(OpenRetrying(sys, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return Failed("create", tmp, errno);
  if (Status s = WriteAll(sys, fd.get(), bytes, tmp); !s) return s;
  if (FsyncRetrying(sys, fd.get()) != 0) return Failed("fsync", tmp, errno);
  return OkStatus();
}

std::string FolderOf(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

}  // namespace

const FileSyscalls& FileSyscalls::Real() {
  static const FileSyscalls real{
      .open = [](const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); },
      .write = [](int fd, const void* data, std::size_t size) { return ::write(fd, data, size); },
      .read = [](int fd, void* data, std::size_t size) { return ::read(fd, data, size); },
      .fsync = [](int fd) { return ::fsync(fd); },
      .rename = [](const char* from, const char* to) { return ::rename(from, to); },
      .unlink = [](const char* path) { return ::unlink(path); },
  };
  return real;
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes, mode_t mode,
                           const FileSyscalls& sys) {
  const std::string tmp = path + ".tmp";
  Status written = WriteAndSync(sys, tmp, bytes, mode);
  if (written && sys.rename(tmp.c_str(), path.c_str()) != 0) {
    written = Failed("rename", tmp + " to " + path, errno);
  }
  if (!written) {
    // A temporary file left behind would only be overwritten by the next
    // attempt, and on a full disk it holds space the caller needs.
    sys.unlink(tmp.c_str());
    return written;
  }
  const std::string folder = FolderOf(path);
  UniqueFd dir(OpenRetrying(sys, folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
  if (!dir.valid()) return Failed("open folder", folder, errno);
  if (FsyncRetrying(sys, dir.get()) != 0) {
    const int err = errno;
    return MakeError(CodeFor(err),
                     "fsync folder {}: {}; {} is replaced but a power cut may undo it", folder,
                     std::strerror(err), path);
  }
  return OkStatus();
}

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes,
                                  const FileSyscalls& sys) {
  UniqueFd fd(OpenRetrying(sys, path.c_str(), O_RDONLY | O_CLOEXEC, 0));
  if (!fd.valid()) {
    const int err = errno;
    return MakeError(err == ENOENT ? Code::kNotFound : Code::kUnavailable, "open {}: {}", path,
                     std::strerror(err));
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = sys.read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failed("read", path, errno);
    if (n == 0) return text;
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      return MakeError(Code::kDataLoss, "{} is larger than {} bytes", path, max_bytes);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace cityedge
