// SPDX-License-Identifier: Apache-2.0
// Test-only stand-in for `cityedge-vision --sandbox-self-test` until the
// worker executable exists: parses the options below into a policy and a
// request and runs the self-test.
//   --read P --write P --keep FD --network        the sandbox policy
//   --open P --create P --list-fds --thread --socket --forbidden-syscall   the tries
//   --x32-syscall   (x86_64) after the self-test, getpid through the x32 ABI
//   --fork          after the self-test, fork(): refused, not killed
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "daemon/vision/sandbox_self_test.hpp"

int main(int argc, char** argv) {
  cityedge::vision::SandboxPolicy policy;
  cityedge::vision::SelfTestRequest request;
  bool x32 = false;
  bool fork = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--network") {
      policy.network = true;
    } else if (arg == "--list-fds") {
      request.list_fds = true;
    } else if (arg == "--thread") {
      request.try_thread = true;
    } else if (arg == "--socket") {
      request.try_socket = true;
    } else if (arg == "--forbidden-syscall") {
      request.try_forbidden_syscall = true;
    } else if (arg == "--fork") {
      fork = true;
    } else if (arg == "--x32-syscall") {
      x32 = true;
    } else if (arg == "--read" && has_value) {
      policy.read_paths.emplace_back(argv[++i]);
    } else if (arg == "--write" && has_value) {
      policy.write_paths.emplace_back(argv[++i]);
    } else if (arg == "--keep" && has_value) {
      policy.keep_fds.push_back(std::atoi(argv[++i]));
    } else if (arg == "--open" && has_value) {
      request.open_paths.emplace_back(argv[++i]);
    } else if (arg == "--create" && has_value) {
      request.create_paths.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "sandbox_probe: unknown or incomplete option '%s'\n", argv[i]);
      return 64;
    }
  }
  const int status = cityedge::vision::RunSandboxSelfTest(policy, request);
  if (status != 0) return status;
  if (fork) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    std::printf("fork: %s\n", pid < 0 ? std::strerror(errno) : "a child was created");
    return pid < 0 ? 0 : 1;
  }
  if (!x32) return 0;
#if defined(__x86_64__)
  std::printf("x32: getpid\n");
  std::fflush(stdout);
  const long rc = ::syscall(0x40000000L | SYS_getpid);
  std::printf("x32: returned %ld\n", rc);
  return 1;
#else
  std::printf("x32: not x86_64\n");
  return 0;
#endif
}
