// SPDX-License-Identifier: Apache-2.0
// The vision worker's sandbox, proved from outside: a probe process applies it
// through the worker's self-test entry and reports what it can reach. Journal,
// key and /etc files are out of reach (EACCES) while the video and evidence
// folders work; a forbidden system call and, without network, a socket kill
// the probe with SIGSYS; only 0, 1, 2 and the kept socket survive.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/vision/sandbox.hpp"
#include "tests/support/process.hpp"

namespace cityedge::vision {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr int kKilledBySigsys = 128 + SIGSYS;

struct ProbeRun {
  std::vector<std::string> lines;
  int status = -1;
  [[nodiscard]] bool Has(const std::string& line) const {
    return std::ranges::find(lines, line) != lines.end();
  }
  [[nodiscard]] std::string Text() const {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    return text;
  }
};

// `prefix` (setpriv and its options) runs the probe as another user.
ProbeRun RunExecutable(const std::string& executable, const std::vector<std::string>& args,
                       const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv = prefix;
  const std::vector<std::string> probe = testing::WithEmulator({executable});
  argv.insert(argv.end(), probe.begin(), probe.end());
  argv.insert(argv.end(), args.begin(), args.end());
  testing::SpawnOptions options;
  options.capture_stdout = true;
  // LeakSanitizer's exit-time check needs ptrace, which the sandbox refuses.
  options.env["ASAN_OPTIONS"] = testing::EnvOr("ASAN_OPTIONS", "") + ":detect_leaks=0";
  auto process = testing::Process::Spawn(argv, options);
  REQUIRE(process.has_value());
  ProbeRun run;
  while (auto line = process->ReadLine(60s)) run.lines.push_back(*line);
  run.status = process->Wait(60s).value_or(-1);
  UNSCOPED_INFO("probe output:\n" << run.Text() << "exit status " << run.status);
  return run;
}

ProbeRun RunProbe(const std::vector<std::string>& args,
                  const std::vector<std::string>& prefix = {}) {
  return RunExecutable(SANDBOX_PROBE_PATH, args, prefix);
}

// Skips (true) only where the kernel lacks Landlock, as the issue allows.
bool LandlockMissing() {
  if (::syscall(__NR_landlock_create_ruleset, nullptr, 0, 1U) >= 0) return false;
  if (errno != ENOSYS && errno != EOPNOTSUPP) return false;
  WARN("skipped: this kernel has no Landlock (landlock_create_ruleset: " << std::strerror(errno)
                                                                         << ")");
  return true;
}

bool SeccompMissing() {
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0) return false;
  WARN("skipped: this kernel has no seccomp (prctl(PR_GET_SECCOMP): " << std::strerror(errno)
                                                                      << ")");
  return true;
}

std::string Denied(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(EACCES) + " (errno " + std::to_string(EACCES) +
         ")";
}

TEST_CASE("a policy reaching the journal, keys or control socket is refused", "[sandbox]") {
  TempDir dir;
  SandboxPolicy policy;
  policy.read_paths = {dir.path()};
  CHECK(ValidateSandboxPolicy(policy).has_value());
  for (const char* path : {"/etc", "/etc/cityedge", "/etc/cityedge/keys/mqtt.key", "/var",
                           "/var/lib/cityedge/journal.db", "/run", "/run/cityedge/control.sock",
                           "/", "relative/video.avi"}) {
    INFO(path);
    SandboxPolicy bad;
    bad.write_paths = {path};
    auto status = ValidateSandboxPolicy(bad);
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code() == Code::kInvalidArgument);
  }
  SandboxPolicy closed_fd;
  closed_fd.keep_fds = {1'000'000};
  CHECK_FALSE(ValidateSandboxPolicy(closed_fd).has_value());
}

TEST_CASE("the self-test reaches its video and evidence folder, never the journal or keys",
          "[sandbox][landlock]") {
  if (LandlockMissing() || SeccompMissing()) return;
  TempDir dir;
  for (const char* folder : {"journal", "keys", "video", "evidence"}) {
    REQUIRE(::mkdir(dir.Join(folder).c_str(), 0700) == 0);
  }
  const std::string journal = dir.Join("journal/journal.db");
  const std::string key = dir.Join("keys/mqtt.key");
  const std::string video = dir.Join("video/street.avi");
  const std::string snapshot = dir.Join("evidence/alert-1.jpg");
  const std::string into_video = dir.Join("video/planted.avi");
  testing::WriteFile(journal, "SQLite format 3");
  testing::WriteFile(key, "-----BEGIN PRIVATE KEY-----");
  testing::WriteFile(video, "RIFF");

  const ProbeRun run = RunProbe({"--read",   dir.Join("video"), "--write",  dir.Join("evidence"),
                                 "--open",   journal,           "--open",   key,
                                 "--open",   "/etc/passwd",     "--open",   video,
                                 "--open",   "/usr/share",      "--create", snapshot,
                                 "--create", into_video,        "--create", video});
  REQUIRE(run.status == 0);
  CHECK(run.lines.at(0).find("applied, seccomp applied") != std::string::npos);
  CHECK(run.Has(Denied("open", journal)));
  CHECK(run.Has(Denied("open", key)));
  CHECK(run.Has(Denied("open", "/etc/passwd")));
  CHECK(run.Has("open " + video + ": ok"));
  CHECK(run.Has("open /usr/share: ok"));
  CHECK(run.Has("create " + snapshot + ": ok"));
  CHECK(run.Has(Denied("create", into_video)));
  CHECK(run.Has(Denied("create", video)));
  struct stat st {};
  CHECK(::stat(snapshot.c_str(), &st) == 0);
  CHECK(::stat(into_video.c_str(), &st) != 0);
  CHECK(testing::ReadFile(video) == "RIFF");
}

TEST_CASE("a path that does not exist is skipped with a note", "[sandbox][landlock]") {
  if (LandlockMissing() || SeccompMissing()) return;
  TempDir dir;
  const std::string unplugged = dir.Join("video9");
  const ProbeRun run = RunProbe({"--read", unplugged});
  REQUIRE(run.status == 0);
  CHECK(run.Has("note: " + unplugged + ": skipped (" + std::strerror(ENOENT) + ")"));
}

TEST_CASE("the worker can still start threads", "[sandbox][seccomp]") {
  if (SeccompMissing()) return;
  const ProbeRun run = RunProbe({"--thread"});
  CHECK(run.status == 0);
  CHECK(run.Has("thread: ok"));
}

// posix_spawn and fork (GStreamer's plugin scanner, a sanitizer's symbolizer)
// fail with EPERM and the caller carries on.
TEST_CASE("a new process is refused without killing the worker", "[sandbox][seccomp]") {
  if (SeccompMissing()) return;
  const ProbeRun run = RunProbe({"--fork"});
  CHECK(run.status == 0);
  CHECK(run.Has(std::string("fork: ") + std::strerror(EPERM)));
}

TEST_CASE("a forbidden system call kills the worker with SIGSYS", "[sandbox][seccomp]") {
  if (SeccompMissing()) return;
  const ProbeRun run = RunProbe({"--forbidden-syscall"});
  CHECK(run.Has("forbidden: ptrace(PTRACE_TRACEME)"));
  CHECK(run.status == kKilledBySigsys);
}

#if defined(__x86_64__)
// The filter lists native x86_64 calls only: the x32 ABI (bit 30 of the call
// number) would otherwise reach the same kernel code past every rule.
TEST_CASE("a system call through the x32 ABI kills the worker", "[sandbox][seccomp]") {
  if (SeccompMissing()) return;
  const ProbeRun run = RunProbe({"--x32-syscall"});
  CHECK(run.Has("x32: getpid"));
  CHECK(run.status == kKilledBySigsys);
}
#endif

TEST_CASE("without network a socket kills the worker; with network it opens",
          "[sandbox][seccomp]") {
  if (SeccompMissing()) return;
  const ProbeRun closed = RunProbe({"--socket"});
  CHECK(closed.status == kKilledBySigsys);
  CHECK_FALSE(closed.Has("socket AF_INET: ok"));

  const ProbeRun open = RunProbe({"--network", "--socket"});
  CHECK(open.status == 0);
  CHECK(open.Has("socket AF_INET: ok"));
}

// Descriptors the core leaked (no O_CLOEXEC) must not reach the worker.
TEST_CASE("the worker holds no descriptor but 0, 1, 2 and its socket", "[sandbox]") {
  if (SeccompMissing()) return;
  std::vector<int> leaked;
  for (int i = 0; i < 3; ++i) leaked.push_back(::open("/dev/null", O_RDONLY));
  int pair[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  leaked.insert(leaked.end(), {pair[0], pair[1]});
  const int kept = pair[1];

  // As a normal user, as a core running as `cityedge` would start it.
  std::vector<std::string> as_user;
  if (::geteuid() == 0 && ::access("/usr/bin/setpriv", X_OK) == 0) {
    as_user = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  const ProbeRun run = RunProbe({"--keep", std::to_string(kept), "--list-fds"}, as_user);
  for (int fd : leaked) ::close(fd);
  REQUIRE(run.status == 0);
  const auto line =
      std::ranges::find_if(run.lines, [](const std::string& l) { return l.starts_with("fds:"); });
  REQUIRE(line != run.lines.end());
  std::istringstream in(line->substr(4));
  std::set<std::string> fds;
  for (std::string word; in >> word && word != "(listing";) fds.insert(word);
  std::string listing;
  in >> listing;
  listing.pop_back();  // ')'
  CHECK(fds == std::set<std::string>{"0", "1", "2", std::to_string(kept), listing});
}

#ifdef CITYEDGE_VISION_WORKER_PATH
// The same proofs through the worker executable itself (cityedge-vision
// --sandbox-self-test), which applies exactly the sandbox a worker does.
TEST_CASE("cityedge-vision's self-test cannot open the journal or a key, can open its video",
          "[sandbox][worker]") {
  if (LandlockMissing() || SeccompMissing()) return;
  TempDir dir;
  for (const char* folder : {"journal", "keys", "video", "evidence"}) {
    REQUIRE(::mkdir(dir.Join(folder).c_str(), 0700) == 0);
  }
  testing::WriteFile(dir.Join("journal/journal.db"), "SQLite format 3");
  testing::WriteFile(dir.Join("keys/platform.pem"), "-----BEGIN PRIVATE KEY-----");
  testing::WriteFile(dir.Join("video/gate.avi"), "RIFF");
  const ProbeRun run = RunExecutable(
      CITYEDGE_VISION_WORKER_PATH,
      {"--sandbox-self-test", "--read", dir.Join("video"), "--write", dir.Join("evidence"),
       "--open", dir.Join("journal/journal.db"), "--open", dir.Join("keys/platform.pem"), "--open",
       dir.Join("video/gate.avi"), "--list-fds"});
  REQUIRE(run.status == 0);
  CHECK(run.Has(Denied("open", dir.Join("journal/journal.db"))));
  CHECK(run.Has(Denied("open", dir.Join("keys/platform.pem"))));
  CHECK(run.Has("open " + dir.Join("video/gate.avi") + ": ok"));
}

TEST_CASE("cityedge-vision's self-test dies of SIGSYS on a forbidden call", "[sandbox][worker]") {
  if (SeccompMissing()) return;
  const ProbeRun run =
      RunExecutable(CITYEDGE_VISION_WORKER_PATH, {"--sandbox-self-test", "--forbidden-syscall"});
  CHECK(run.Has("forbidden: ptrace(PTRACE_TRACEME)"));
  CHECK(run.status == kKilledBySigsys);
}
#endif

}  // namespace
}  // namespace cityedge::vision
