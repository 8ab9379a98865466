// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/sandbox_self_test.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "daemon/core/unique_fd.hpp"

namespace cityedge::vision {
namespace {

// Takes the result of the call straight away, so errno is still the call's.
void PrintOutcome(std::FILE* out, const char* what, const std::string& path, UniqueFd fd) {
  if (fd.valid()) {
    fmt::print(out, "{} {}: ok\n", what, path);
  } else {
    const int error = errno;
    fmt::print(out, "{} {}: {} (errno {})\n", what, path, std::strerror(error), error);
  }
  std::fflush(out);
}

void ListFds(std::FILE* out) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    fmt::print(out, "fds: cannot list /proc/self/fd: {}\n", std::strerror(errno));
    return;
  }
  std::string line = "fds:";
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') line += fmt::format(" {}", entry->d_name);
  }
  line += fmt::format(" (listing {})", ::dirfd(dir));
  ::closedir(dir);
  fmt::print(out, "{}\n", line);
  std::fflush(out);
}

// Thread creation goes through clone3 (refused with ENOSYS) and glibc's
// fallback to clone with thread flags, which is what the filter allows.
void TryThread(std::FILE* out) {
  try {
    std::atomic<bool> ran = false;
    std::thread thread([&ran] { ran = true; });
    thread.join();
    fmt::print(out, "thread: {}\n", ran ? "ok" : "did not run");
  } catch (const std::system_error& error) {
    fmt::print(out, "thread: {}\n", error.what());
  }
  std::fflush(out);
}

}  // namespace

int RunSandboxSelfTest(const SandboxPolicy& policy, const SelfTestRequest& request,
                       std::FILE* out) {
  auto report = ApplySandbox(policy);
  if (!report) {
    fmt::print(out, "sandbox: failed: {}\n", report.error());
    std::fflush(out);
    return 1;
  }
  fmt::print(out, "sandbox: landlock abi {} {}, seccomp {}\n", report->landlock_abi,
             report->landlock_applied ? "applied" : "not applied",
             report->seccomp_applied ? "applied" : "not applied");
  if (!report->warning.empty()) fmt::print(out, "warning: {}\n", report->warning);
  for (const std::string& note : report->notes) fmt::print(out, "note: {}\n", note);
  std::fflush(out);
  for (const std::string& path : request.open_paths) {
    PrintOutcome(out, "open", path, UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)));
  }
  for (const std::string& path : request.create_paths) {
    PrintOutcome(out, "create", path,
                 UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)));
  }
  if (request.list_fds) ListFds(out);
  if (request.try_thread) TryThread(out);
  if (request.try_socket) {
    PrintOutcome(out, "socket", "AF_INET",
                 UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)));
  }
  if (request.try_forbidden_syscall) {
    fmt::print(out, "forbidden: ptrace(PTRACE_TRACEME)\n");
    std::fflush(out);
    const long rc = ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    fmt::print(out, "forbidden: returned {} ({}): the seccomp filter let it through\n", rc,
               std::strerror(errno));
    std::fflush(out);
    return 1;
  }
  return 0;
}

}  // namespace cityedge::vision
