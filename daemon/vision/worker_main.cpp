// SPDX-License-Identifier: Apache-2.0
// cityedge-vision: a vision worker. The core (cityedged) starts one per group
// of frame drivers with its channel on descriptor 3; it is not meant to be
// run by hand, except for --version and the sandbox self-test.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "daemon/vision/protocol.hpp"
#include "daemon/vision/sandbox_self_test.hpp"
#include "daemon/vision/worker.hpp"

#ifndef CITYEDGE_VERSION
#define CITYEDGE_VERSION "0.0.0"
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CITYEDGE_HAVE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CITYEDGE_HAVE_LSAN 1
#endif
#ifdef CITYEDGE_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace {

// LeakSanitizer's check at exit needs ptrace and a non-thread clone, which
// the sandbox kills for; in sanitizer builds the check runs now, before the
// sandbox, and not again at exit.
void LeakCheckBeforeSandbox() {
#ifdef CITYEDGE_HAVE_LSAN
  __lsan_do_leak_check();
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "cityedge-vision: a CityEdge vision worker. cityedged starts one per group of cameras\n"
      "and thermal scanners, confined, with its channel on descriptor 3."};
  int fd = cityedge::vision::kWorkerFd;
  bool version = false;
  bool self_test = false;
  cityedge::vision::SandboxPolicy policy;
  cityedge::vision::SelfTestRequest request;
  cli.add_option("--fd", fd, "Descriptor of the channel to the core")->capture_default_str();
  cli.add_flag("-V,--version", version, "Print the version and exit");
  auto* test = cli.add_flag("--sandbox-self-test", self_test,
                            "Apply the worker's sandbox with the policy below, make the tries "
                            "below, print each outcome, and exit");
  cli.add_option("--read", policy.read_paths, "Policy: a path the worker may read")->needs(test);
  cli.add_option("--write", policy.write_paths, "Policy: a folder the worker may write")
      ->needs(test);
  cli.add_option("--keep", policy.keep_fds, "Policy: a descriptor to keep open")->needs(test);
  cli.add_flag("--network", policy.network, "Policy: IP sockets, as for a stream camera")
      ->needs(test);
  cli.add_option("--open", request.open_paths, "Try: open a path for reading")->needs(test);
  cli.add_option("--create", request.create_paths, "Try: create a file")->needs(test);
  cli.add_flag("--list-fds", request.list_fds, "Try: list the open descriptors")->needs(test);
  cli.add_flag("--thread", request.try_thread, "Try: start a thread")->needs(test);
  cli.add_flag("--socket", request.try_socket, "Try: open an IP socket")->needs(test);
  cli.add_flag("--forbidden-syscall", request.try_forbidden_syscall,
               "Try, last: a system call the sandbox forbids (the process dies of SIGSYS)")
      ->needs(test);
  CLI11_PARSE(cli, argc, argv);
  if (version) {
    std::printf("cityedge-vision %s (worker protocol %u)\n", CITYEDGE_VERSION,
                cityedge::vision::kProtocolVersion);
    return 0;
  }
  LeakCheckBeforeSandbox();
  if (self_test) return cityedge::vision::RunSandboxSelfTest(policy, request);
  return cityedge::vision::RunWorker(fd);
}
