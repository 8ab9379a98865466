// SPDX-License-Identifier: Apache-2.0
// `cityedge-vision --sandbox-self-test`: applies the sandbox exactly as a
// worker does, then tries what the request names and prints one line per try,
// so a technician or a test can see what the worker can and cannot reach.
//
// Output (stdout, one line each, flushed as it goes):
//   sandbox: landlock abi N applied|not applied, seccomp applied
//   warning: <text>            when Landlock could not be applied
//   note: <text>               a path skipped (does not exist, ...)
//   open <path>: ok            or  open <path>: <strerror> (errno N)
//   create <path>: ok          or  create <path>: <strerror> (errno N)
//   fds: 0 1 2 7 (listing 3)   the entries of /proc/self/fd; `listing` is the
//                              descriptor the listing itself used
//   thread: ok                 or  thread: <what failed>
//   socket AF_INET: ok         or  socket AF_INET: <strerror> (errno N)
//   forbidden: ptrace(PTRACE_TRACEME)   then the process is killed (SIGSYS)
//   sandbox: failed: <error>   when the sandbox could not be applied
//
// THREADING: call from main, while the process has one thread, before opening
// any source; the sandbox stays applied afterwards.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "daemon/vision/sandbox.hpp"

namespace cityedge::vision {

struct SelfTestRequest {
  std::vector<std::string> open_paths;    // open(O_RDONLY) each
  std::vector<std::string> create_paths;  // open(O_WRONLY | O_CREAT | O_TRUNC) each
  bool list_fds = false;                  // print the entries of /proc/self/fd
  bool try_socket = false;                // socket(AF_INET, SOCK_STREAM)
  bool try_thread = false;                // start and join a thread
  // Last: ptrace(PTRACE_TRACEME), which the seccomp filter answers by killing
  // the process with SIGSYS. Should it return, the self-test fails.
  bool try_forbidden_syscall = false;
};

// Returns the process exit code: 0 when the sandbox was applied (whatever the
// tries printed), 1 when it could not be applied or a forbidden system call
// returned.
[[nodiscard]] int RunSandboxSelfTest(const SandboxPolicy& policy, const SelfTestRequest& request,
                                     std::FILE* out = stdout);

}  // namespace cityedge::vision
