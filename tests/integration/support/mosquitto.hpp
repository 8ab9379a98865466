// SPDX-License-Identifier: Apache-2.0
// A mosquitto broker for integration tests, on a loopback port chosen at run
// time, with a generated config. Kill (SIGKILL) and Restart keep the port, so
// clients reconnect to the same URI.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace cityedge::testing {

// THREADING: one thread. The destructor kills the broker.
class Mosquitto {
 public:
  struct Options {
    int port = 0;          // 0: pick a free one
    std::string listener;  // extra lines right after `listener` (TLS files ...)
    std::string global;    // extra global lines (acl_file, password_file ...)
  };

  // Writes the config into `work_dir` and starts $CITYEDGE_MOSQUITTO (or
  // /usr/sbin/mosquitto); returns once the port accepts connections.
  [[nodiscard]] static Result<std::unique_ptr<Mosquitto>> Start(const std::string& work_dir,
                                                                Options options);
  ~Mosquitto() { Kill(); }

  void Kill() { process_.Kill(); }
  [[nodiscard]] Status Restart();
  // SIGHUP: mosquitto rereads password and ACL files.
  void Reload() const { process_.Signal(1); }
  // Replaces the global extra lines for the next Restart.
  void set_global(std::string global) { options_.global = std::move(global); }

  [[nodiscard]] int port() const { return options_.port; }
  [[nodiscard]] std::string uri(const std::string& scheme = "tcp") const {
    return scheme + "://127.0.0.1:" + std::to_string(options_.port);
  }
  [[nodiscard]] const std::string& log_path() const { return log_path_; }

 private:
  Mosquitto(std::string work_dir, Options options, Process process)
      : work_dir_(std::move(work_dir)),
        options_(std::move(options)),
        process_(std::move(process)) {}
  [[nodiscard]] static Result<Process> Launch(const std::string& work_dir, const Options& options);

  std::string work_dir_;
  Options options_;
  Process process_;
  std::string log_path_;
};

}  // namespace cityedge::testing
