// SPDX-License-Identifier: Apache-2.0
#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern "C" char** environ;

namespace cityedge::testing {
namespace {

// Everything the child needs, built before fork: after it only
// async-signal-safe calls are made.
struct ChildPlan {
  std::vector<std::string> env_storage;
  std::vector<char*> args;
  std::vector<char*> env;
};

// ELF e_machine of a file, or -1 if it is not an ELF file (a script).
int ElfMachine(const std::string& path) {
  unsigned char header[20] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(header), sizeof(header))) return -1;
  if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') return -1;
  const bool little = header[5] == 1;
  return little ? header[18] | (header[19] << 8) : (header[18] << 8) | header[19];
}

ChildPlan Plan(const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& extra) {
  ChildPlan plan;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (!extra.contains(entry.substr(0, entry.find('=')))) plan.env_storage.push_back(entry);
  }
  for (const auto& [key, value] : extra) plan.env_storage.push_back(key + "=" + value);
  for (const std::string& arg : argv) plan.args.push_back(const_cast<char*>(arg.c_str()));
  plan.args.push_back(nullptr);
  for (std::string& e : plan.env_storage) plan.env.push_back(e.data());
  plan.env.push_back(nullptr);
  return plan;
}

void RedirectTo(const std::string& path, int target) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) ::dup2(fd, target);
}

[[noreturn]] void ExecChild(ChildPlan& plan, int stdout_fd, const SpawnOptions& options) {
  if (stdout_fd >= 0) {
    ::dup2(stdout_fd, STDOUT_FILENO);
  } else {
    RedirectTo(options.stdout_path, STDOUT_FILENO);
  }
  RedirectTo(options.stderr_path, STDERR_FILENO);
  ::execve(plan.args[0], plan.args.data(), plan.env.data());
  ::_exit(127);
}

}  // namespace

// Cross builds run their tests under qemu-user without binfmt_misc: a
// program built for the target (same machine as this test binary) cannot be
// exec'd directly, so it runs through $CITYEDGE_EMULATOR (set by ctest in
// cross builds). Host programs (mosquitto, python) run as they are.
std::vector<std::string> WithEmulator(const std::vector<std::string>& argv) {
  const char* emulator = std::getenv("CITYEDGE_EMULATOR");
  if (emulator == nullptr || *emulator == '\0') return argv;
  const int target = ElfMachine(argv[0]);
  if (target < 0 || target != ElfMachine("/proc/self/exe")) return argv;
  std::vector<std::string> out;
  std::istringstream words(emulator);
  for (std::string word; words >> word;) out.push_back(word);
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Result<Process> Process::Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return MakeError(Code::kInvalidArgument, "empty argv");
  const std::vector<std::string> command = WithEmulator(argv);
  ChildPlan plan = Plan(command, options.env);
  int pipe_fds[2] = {-1, -1};
  if (options.capture_stdout && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return MakeError(Code::kInternal, "pipe: {}", std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) return MakeError(Code::kInternal, "fork: {}", std::strerror(errno));
  if (pid == 0) ExecChild(plan, pipe_fds[1], options);
  if (options.capture_stdout) ::close(pipe_fds[1]);
  return Process(pid, pipe_fds[0]);
}

Result<Process> Process::Spawn(const std::vector<std::string>& argv, bool capture_stdout,
                               const std::string& stderr_path) {
  SpawnOptions options;
  options.capture_stdout = capture_stdout;
  options.stderr_path = stderr_path;
  return Spawn(argv, options);
}

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    buffer_ = std::move(other.buffer_);
    eof_ = other.eof_;
  }
  return *this;
}

Process::~Process() { Kill(); }

std::optional<std::string> Process::ReadLine(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (eof_ || stdout_fd_ < 0 || left.count() <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0) {
      eof_ = true;
    } else {
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
}

std::optional<std::string> Process::ReadUntil(const std::string& prefix,
                                              std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto line = ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now()));
    if (!line) return std::nullopt;
    if (line->rfind(prefix, 0) == 0) return line;
  }
  return std::nullopt;
}

void Process::Signal(int signal) const {
  if (pid_ > 0) ::kill(pid_, signal);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (stdout_fd_ >= 0) ::close(std::exchange(stdout_fd_, -1));
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Process::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) ::close(std::exchange(stdout_fd_, -1));
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool WaitForPort(int port, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cityedge-it-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  TempDir dir;
  const std::string out = dir.Join("output");
  SpawnOptions options;
  options.stdout_path = out;
  options.stderr_path = out;
  auto process = Process::Spawn(argv, options);
  if (!process) return {-1, process.error().ToString()};
  const auto status = process->Wait(timeout);
  return {status.value_or(-1), ReadFile(out)};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace cityedge::testing
