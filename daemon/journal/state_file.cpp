#include "daemon/journal/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cityedge::journal {
namespace {

Status SyncFolderOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return MakeError(Code::kUnavailable, "open folder {}: {}", dir, std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return MakeError(Code::kUnavailable, "fsync {}: {}", dir, std::strerror(errno));
  return OkStatus();
}

Status WriteAllAndSync(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return MakeError(Code::kUnavailable, "create {}: {}", path, std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      const Code code = err == ENOSPC ? Code::kResourceExhausted : Code::kUnavailable;
      return MakeError(code, "write {}: {}", path, std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return MakeError(Code::kUnavailable, "fsync {}: {}", path, std::strerror(err));
  return OkStatus();
}

}  // namespace

std::string StatePathFor(const std::string& journal_path) { return journal_path + ".state"; }

Result<JournalState> ReadState(const std::string& path) {
  JournalState state;
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return state;
    return MakeError(Code::kUnavailable, "cannot read {}", path);
  }
  std::string key;
  std::uint64_t value = 0;
  int seen = 0;
  while (in >> key >> value) {
    if (key == "ceiling") state.ceiling = value, seen |= 1;
    if (key == "hwm") state.hwm = value, seen |= 2;
    if (key == "clean") state.clean = value != 0, seen |= 4;
    if (key == "boot_hi") state.boot_hi = value, seen |= 8;
    if (key == "boot_lo") state.boot_lo = value, seen |= 16;
  }
  state.boot_known = (seen & 24) == 24;
  seen &= 7;
  if (seen != 7) return MakeError(Code::kDataLoss, "{} is incomplete", path);
  state.present = true;
  return state;
}

Status WriteState(const std::string& path, const JournalState& state) {
  std::ostringstream text;
  text << "ceiling " << state.ceiling << "\nhwm " << state.hwm << "\nclean "
       << (state.clean ? 1 : 0) << "\n";
  if (state.boot_known)
    text << "boot_hi " << state.boot_hi << "\nboot_lo " << state.boot_lo << "\n";
  const std::string tmp = path + ".tmp";
  if (auto s = WriteAllAndSync(tmp, text.str()); !s) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return MakeError(Code::kUnavailable, "rename {}: {}", tmp, std::strerror(errno));
  }
  return SyncFolderOf(path);
}

}  // namespace cityedge::journal
