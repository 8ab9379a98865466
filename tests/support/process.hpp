// SPDX-License-Identifier: Apache-2.0
// Child processes for tests: spawn with an argv, read stdout lines with a
// timeout, signal, wait. The destructor SIGKILLs and reaps a
// child that is still running, so a failing test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/status.hpp"

namespace cityedge::testing {

struct SpawnOptions {
  bool capture_stdout = false;             // readable through ReadLine
  std::string stdout_path;                 // else appended to this file, else inherited
  std::string stderr_path;                 // appended to this file, else inherited
  std::map<std::string, std::string> env;  // added to (or replacing) the parent's
};

// THREADING: one thread per Process object.
class Process {
 public:
  // Starts argv[0] (a path) with the parent's environment plus options.env.
  [[nodiscard]] static Result<Process> Spawn(const std::vector<std::string>& argv,
                                             const SpawnOptions& options);
  // Shorthand: stdout captured or inherited, stderr to `stderr_path` if given.
  [[nodiscard]] static Result<Process> Spawn(const std::vector<std::string>& argv,
                                             bool capture_stdout,
                                             const std::string& stderr_path = "");
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  [[nodiscard]] pid_t pid() const { return pid_; }
  // The next stdout line, or nullopt at EOF or timeout.
  [[nodiscard]] std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Reads lines until one starts with `prefix`; returns it.
  [[nodiscard]] std::optional<std::string> ReadUntil(const std::string& prefix,
                                                     std::chrono::milliseconds timeout);
  void Signal(int signal) const;
  // Waits for exit; returns the exit status (128 + signal when killed) or
  // nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void Kill();

 private:
  Process(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read,
// closed). Racy by nature; the window is small.
[[nodiscard]] int FreeLoopbackPort();

// Polls a TCP connect to 127.0.0.1:port until it succeeds or the timeout.
[[nodiscard]] bool WaitForPort(int port, std::chrono::milliseconds timeout);

// A fresh folder under $TMPDIR removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Environment variable or a default.
[[nodiscard]] std::string EnvOr(const char* name, const std::string& fallback);

// Runs argv to completion (killed after `timeout`): exit status (-1 on
// timeout) and stdout and stderr together.
// `argv` to run a program built for the target: prefixed with
// $CITYEDGE_EMULATOR (cross builds under qemu-user) when argv[0] is a program
// for the target, unchanged otherwise. Spawn and Run apply it themselves; a
// wrapper such as setpriv needs it applied to the command it wraps.
[[nodiscard]] std::vector<std::string> WithEmulator(const std::vector<std::string>& argv);

struct RunResult {
  int status = -1;
  std::string output;
};
[[nodiscard]] RunResult Run(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

[[nodiscard]] std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

}  // namespace cityedge::testing
