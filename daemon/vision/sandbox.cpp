// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "daemon/vision/sandbox_internal.hpp"

namespace cityedge::vision {
namespace {

// The folders a worker must never reach, whatever its policy says.
constexpr std::array<std::string_view, 3> kProtected = {"/etc/cityedge", "/var/lib/cityedge",
                                                        "/run/cityedge"};

[[nodiscard]] bool IsWithin(std::string_view path, std::string_view folder) {
  if (folder == "/") return true;
  return path == folder ||
         (path.size() > folder.size() && path.starts_with(folder) && path[folder.size()] == '/');
}

// Symbolic links resolved where the path exists, so a link into a protected
// folder is judged by its target.
[[nodiscard]] std::string Resolve(const std::string& path) {
  std::error_code error;
  auto resolved = std::filesystem::weakly_canonical(path, error);
  if (error) return std::filesystem::path(path).lexically_normal().string();
  std::string text = resolved.string();
  if (text.size() > 1 && text.ends_with('/')) text.pop_back();
  return text;
}

[[nodiscard]] Status CheckPath(const std::string& path, std::string_view kind) {
  if (path.empty() || path.front() != '/') {
    return MakeError(Code::kInvalidArgument,
                     "sandbox {} path '{}' is not absolute: give the full path", kind, path);
  }
  const std::string resolved = Resolve(path);
  for (std::string_view folder : kProtected) {
    if (IsWithin(resolved, folder) || IsWithin(folder, resolved)) {
      return MakeError(Code::kInvalidArgument,
                       "sandbox {} path '{}' (resolved: {}) reaches {}, which a vision worker must "
                       "never access: name a narrower folder",
                       kind, path, resolved, folder);
    }
  }
  return OkStatus();
}

// Threads: the count /proc/self/status gives, 0 when unknown.
[[nodiscard]] int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Threads:")) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

[[nodiscard]] Status CloseRange(unsigned first, unsigned last, bool& unsupported) {
  if (first > last) return OkStatus();
  if (::close_range(first, last, 0) == 0) return OkStatus();
  if (errno == ENOSYS) {
    unsupported = true;
    return OkStatus();
  }
  return MakeError(Code::kInternal, "close_range({}, {}): {}", first, last, std::strerror(errno));
}

// Kernels before 5.9 lack close_range.
[[nodiscard]] Status CloseListed(const std::vector<int>& kept) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    return MakeError(Code::kFailedPrecondition,
                     "cannot list /proc/self/fd to close inherited descriptors ({}): mount /proc",
                     std::strerror(errno));
  }
  std::vector<int> open;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && end != entry->d_name && fd >= 3 && fd != ::dirfd(dir)) {
      open.push_back(static_cast<int>(fd));
    }
  }
  ::closedir(dir);
  for (int fd : open) {
    if (!std::binary_search(kept.begin(), kept.end(), fd)) ::close(fd);
  }
  return OkStatus();
}

}  // namespace

int LandlockAbiVersion() {
  // LANDLOCK_CREATE_RULESET_VERSION is 1 in every kernel that has Landlock.
  const long abi = ::syscall(__NR_landlock_create_ruleset, nullptr, 0, 1U);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

std::vector<std::string> SystemReadPaths(bool network) {
  std::vector<std::string> paths = {
      // Loader, libraries, plugins (OpenCV, GStreamer, FFmpeg), data
      // (OpenCV cascades, zoneinfo).
      "/usr", "/lib", "/lib64", "/lib32", "/libx32", "/etc/ld.so.cache", "/etc/localtime",
      // Own process (maps, status, fd, exe for sanitizers and allocators);
      // it resolves to /proc/<pid>, so no other process is readable.
      "/proc/self",
      // CPU count and memory topology (glibc, OpenCV, TBB, FFmpeg threads).
      "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/filesystems",
      "/sys/devices/system/cpu", "/sys/devices/system/node", "/sys/kernel/mm/transparent_hugepage",
      "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"};
  if (network) {
    // Name resolution and TLS for RTSP/HTTP(S) cameras.
    for (const char* path :
         {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
          "/etc/services", "/etc/protocols", "/etc/ssl/certs"}) {
      paths.emplace_back(path);
    }
  }
  return paths;
}

Status ValidateSandboxPolicy(const SandboxPolicy& policy) {
  for (const std::string& path : policy.read_paths) {
    if (auto status = CheckPath(path, "read"); !status) return status;
  }
  for (const std::string& path : policy.write_paths) {
    if (auto status = CheckPath(path, "write"); !status) return status;
  }
  for (int fd : policy.keep_fds) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
      return MakeError(Code::kInvalidArgument,
                       "sandbox keep_fds names descriptor {}, which is not open: pass the "
                       "worker's socket",
                       fd);
    }
  }
  return OkStatus();
}

Status CloseInheritedFds(std::span<const int> keep) {
  std::vector<int> kept;
  for (int fd : keep) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
      return MakeError(Code::kInvalidArgument, "descriptor {} to keep is not open", fd);
    }
    if (fd >= 3) kept.push_back(fd);
  }
  std::ranges::sort(kept);
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  bool unsupported = false;
  unsigned first = 3;
  for (int fd : kept) {
    if (auto status = CloseRange(first, static_cast<unsigned>(fd) - 1, unsupported); !status) {
      return status;
    }
    first = static_cast<unsigned>(fd) + 1;
  }
  if (auto status = CloseRange(first, UINT_MAX, unsupported); !status) return status;
  return unsupported ? CloseListed(kept) : OkStatus();
}

Result<SandboxReport> ApplySandbox(const SandboxPolicy& policy) {
  if (auto status = ValidateSandboxPolicy(policy); !status) {
    return std::unexpected(status.error());
  }
  if (const int threads = ThreadCount(); threads > 1) {
    return MakeError(Code::kFailedPrecondition,
                     "sandbox: the process has {} threads; apply the sandbox before starting any "
                     "thread (Landlock and seccomp confine only the calling thread's descendants)",
                     threads);
  }
  if (auto status = CloseInheritedFds(policy.keep_fds); !status) {
    return std::unexpected(status.error().Wrap("sandbox"));
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return MakeError(Code::kInternal, "sandbox: prctl(PR_SET_NO_NEW_PRIVS): {}",
                     std::strerror(errno));
  }
  SandboxReport report;
  if (auto status = internal::ApplyLandlock(policy, report); !status) {
    return std::unexpected(status.error().Wrap("sandbox"));
  }
  if (auto status = internal::ApplySeccomp(policy); !status) {
    return std::unexpected(status.error().Wrap("sandbox"));
  }
  report.seccomp_applied = true;
  return report;
}

}  // namespace cityedge::vision
