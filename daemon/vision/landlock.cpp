// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "daemon/core/unique_fd.hpp"
#include "daemon/vision/sandbox_internal.hpp"

namespace cityedge::vision::internal {
namespace {

// Access rights by bit, as the kernel defines them. Debian 12's kernel headers
// (6.1) stop at ABI 2, so rights of later ABIs are spelled out here.
constexpr std::uint64_t kExecute = 1ULL << 0;
constexpr std::uint64_t kWriteFile = 1ULL << 1;
constexpr std::uint64_t kReadFile = 1ULL << 2;
constexpr std::uint64_t kReadDir = 1ULL << 3;
constexpr std::uint64_t kRemoveDir = 1ULL << 4;
constexpr std::uint64_t kRemoveFile = 1ULL << 5;
constexpr std::uint64_t kMakeDir = 1ULL << 7;
constexpr std::uint64_t kMakeReg = 1ULL << 8;
constexpr std::uint64_t kAbi1Rights = (1ULL << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr std::uint64_t kRefer = 1ULL << 13;             // ABI 2
constexpr std::uint64_t kTruncate = 1ULL << 14;          // ABI 3
constexpr std::uint64_t kIoctlDev = 1ULL << 15;          // ABI 5
// Rights that apply to a file (the kernel refuses folder rights on one).
constexpr std::uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr std::uint64_t kScopeSignal = 1ULL << 1;              // ABI 6

// IOCTL_DEV on folders reaches only device nodes beneath them.
constexpr std::uint64_t kReadAccess = kReadFile | kReadDir | kIoctlDev;
// V4L2 capture opens its node read-write.
constexpr std::uint64_t kDeviceAccess = kReadFile | kWriteFile | kIoctlDev;
constexpr std::uint64_t kWriteAccess = kReadFile | kReadDir | kWriteFile | kTruncate | kMakeReg |
                                       kMakeDir | kRemoveFile | kRemoveDir | kRefer;

// struct landlock_ruleset_attr as of ABI 6; older kernels get a shorter size.
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

[[nodiscard]] std::uint64_t HandledRights(int abi) {
  std::uint64_t rights = kAbi1Rights;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

struct PathRule {
  std::string path;
  std::uint64_t access;
  bool from_policy;  // a skipped system path (no /lib32 here) is not worth a note
};

// Adds the rule's path (and what is beneath it). A path that cannot be opened
// is skipped: the worker could not open it either.
[[nodiscard]] Status AddPath(int ruleset, const PathRule& rule, std::uint64_t handled,
                             SandboxReport& report) {
  const std::string& path = rule.path;
  const UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (fd.get() < 0) {
    if (rule.from_policy) {
      report.notes.push_back(fmt::format("{}: skipped ({})", path, std::strerror(errno)));
    }
    return OkStatus();
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return MakeError(Code::kInternal, "fstat {}: {}", path, std::strerror(errno));
  }
  std::uint64_t access = rule.access;
  if (S_ISCHR(st.st_mode) && access == kReadAccess) access = kDeviceAccess;
  if (!S_ISDIR(st.st_mode)) access &= kFileRights;
  landlock_path_beneath_attr beneath{};
  beneath.allowed_access = access & handled;
  beneath.parent_fd = fd.get();
  if (::syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0) {
    return MakeError(Code::kInternal, "landlock_add_rule {}: {}", path, std::strerror(errno));
  }
  return OkStatus();
}

[[nodiscard]] bool Unsupported(int error) { return error == ENOSYS || error == EOPNOTSUPP; }

constexpr std::string_view kNoLandlock =
    "the kernel lacks Landlock (5.13+, enabled in lsm=): the file system is not confined, so "
    "the journal, keys and control socket are protected by file permissions only";

}  // namespace

Status ApplyLandlock(const SandboxPolicy& policy, SandboxReport& report) {
  const int abi = LandlockAbiVersion();
  report.landlock_abi = abi;
  if (abi == 0) {
    report.warning = std::string(kNoLandlock);
    return OkStatus();
  }
  RulesetAttr attr;
  attr.handled_access_fs = HandledRights(abi);
  std::size_t attr_size = sizeof(std::uint64_t);
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    attr_size = sizeof(attr);
  }
  const UniqueFd ruleset(
      static_cast<int>(::syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0)));
  if (ruleset.get() < 0) {
    if (Unsupported(errno)) {
      report.warning = std::string(kNoLandlock);
      return OkStatus();
    }
    return MakeError(Code::kInternal, "landlock_create_ruleset (ABI {}): {}", abi,
                     std::strerror(errno));
  }
  std::vector<PathRule> rules;
  for (const std::string& path : policy.read_paths) rules.push_back({path, kReadAccess, true});
  for (std::string& path : SystemReadPaths(policy.network)) {
    rules.push_back({std::move(path), kReadAccess, false});
  }
  for (const std::string& path : policy.write_paths) rules.push_back({path, kWriteAccess, true});
  for (const PathRule& rule : rules) {
    if (auto status = AddPath(ruleset.get(), rule, attr.handled_access_fs, report); !status) {
      return status;
    }
  }
  if (::syscall(__NR_landlock_restrict_self, ruleset.get(), 0) != 0) {
    return MakeError(Code::kInternal, "landlock_restrict_self: {}", std::strerror(errno));
  }
  report.landlock_applied = true;
  return OkStatus();
}

}  // namespace cityedge::vision::internal
