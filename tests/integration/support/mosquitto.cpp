// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/support/mosquitto.hpp"

#include <fstream>

namespace cityedge::testing {

Result<Process> Mosquitto::Launch(const std::string& work_dir, const Options& options) {
  const std::string conf_path = work_dir + "/mosquitto.conf";
  {
    std::ofstream conf(conf_path, std::ios::trunc);
    // Tests run as root in containers; mosquitto would otherwise switch to
    // its own user and lose access to the test's private folder.
    conf << "user root\n"
         << "persistence false\n"
         << "log_dest file " << work_dir << "/mosquitto.log\n"
         << "log_type all\n"
         << options.global << "\n"
         << "listener " << options.port << " 127.0.0.1\n"
         << options.listener << "\n";
    if (options.global.find("allow_anonymous") == std::string::npos) {
      conf << "allow_anonymous true\n";
    }
  }
  const std::string binary = EnvOr("CITYEDGE_MOSQUITTO", "/usr/sbin/mosquitto");
  auto process = Process::Spawn({binary, "-c", conf_path}, false, work_dir + "/mosquitto.stderr");
  if (!process) return process;
  if (!WaitForPort(options.port, std::chrono::seconds(10))) {
    return MakeError(Code::kUnavailable, "mosquitto did not listen on {}; see {}/mosquitto.log",
                     options.port, work_dir);
  }
  return process;
}

Result<std::unique_ptr<Mosquitto>> Mosquitto::Start(const std::string& work_dir, Options options) {
  if (options.port == 0) options.port = FreeLoopbackPort();
  auto process = Launch(work_dir, options);
  if (!process) return std::unexpected(process.error());
  std::unique_ptr<Mosquitto> broker(
      new Mosquitto(work_dir, std::move(options), std::move(*process)));
  broker->log_path_ = work_dir + "/mosquitto.log";
  return broker;
}

Status Mosquitto::Restart() {
  Kill();
  auto process = Launch(work_dir_, options_);
  if (!process) return std::unexpected(process.error());
  process_ = std::move(*process);
  return OkStatus();
}

}  // namespace cityedge::testing
