#include "daemon/uplink/session_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cityedge::uplink {
namespace {

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(Code::kUnavailable, "write {}: {}", path, std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

Status SyncFolder(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return MakeError(Code::kUnavailable, "open {}: {}", folder, std::strerror(errno));
  ::fsync(fd);
  ::close(fd);
  return OkStatus();
}

}  // namespace

Result<std::uint64_t> SessionStore::Load() const {
  std::ifstream in(path_);
  if (!in) {
    if (!std::filesystem::exists(path_)) return 0;
    return MakeError(Code::kUnavailable, "cannot read session seq file {}", path_);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return MakeError(Code::kDataLoss,
                     "session seq file {} does not hold a number; remove it to start over", path_);
  }
  return value;
}

Status SessionStore::Save(std::uint64_t seq) const {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return MakeError(Code::kUnavailable, "create {}: {}", tmp, std::strerror(errno));
  Status written = WriteAll(fd, std::to_string(seq) + "\n", tmp);
  if (written && ::fsync(fd) != 0) {
    written = MakeError(Code::kUnavailable, "fsync {}: {}", tmp, std::strerror(errno));
  }
  ::close(fd);
  if (!written) return written;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    return MakeError(Code::kUnavailable, "rename {}: {}", path_, std::strerror(errno));
  }
  return SyncFolder(path_);
}

}  // namespace cityedge::uplink
