// Test support: start a program, wait for it with a bound, signal it. Every
// child is killed when its Subprocess is destroyed, so a failing test never
// leaves processes behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cityedge::testing {

class Subprocess {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to (or replacing in) the parent's environment
    std::string stdout_path;                 // empty: inherit
    std::string stderr_path;                 // empty: inherit
  };

  Subprocess(std::vector<std::string> argv, Options options);
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool Running();
  void Signal(int signo);
  // Exit status as the shell reports it (128+N for a signal), or nullopt on timeout.
  [[nodiscard]] std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs to completion (bounded) and returns exit status and combined output.
struct RunResult {
  int status = -1;
  std::string output;
};
[[nodiscard]] RunResult Run(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

[[nodiscard]] std::string EnvOr(const char* name, const std::string& fallback);
[[nodiscard]] std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// A fresh folder under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace cityedge::testing
