// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/applier.hpp"

#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>

#include "daemon/core/atomic_file.hpp"
#include "daemon/core/log.hpp"

namespace cityedge::config {
namespace {

// The sections config apply cannot change in place: they decide the gateway's
// identity, where events are kept and how the control plane itself is reached.
std::vector<std::string> RestartOnlyChanges(const v1::Config& from, const v1::Config& to) {
  using google::protobuf::util::MessageDifferencer;
  std::vector<std::string> changed;
  if (!MessageDifferencer::Equals(from.gateway(), to.gateway())) changed.push_back("gateway");
  if (!MessageDifferencer::Equals(from.journal(), to.journal())) changed.push_back("journal");
  if (!MessageDifferencer::Equals(from.uplink(), to.uplink())) changed.push_back("uplink");
  if (!MessageDifferencer::Equals(from.control(), to.control())) changed.push_back("control");
  if (from.driver_dir() != to.driver_dir()) changed.push_back("driver_dir");
  return changed;
}

}  // namespace

Applier::Applier(std::string path, std::string yaml, Loaded running, const SchemaRegistry& registry,
                 Runtime& runtime)
    : path_(std::move(path)),
      registry_(registry),
      runtime_(runtime),
      yaml_(std::move(yaml)),
      running_(std::move(running)) {}

Result<Loaded> Applier::Validate(const std::string& yaml) const {
  Loaded loaded = LoadConfigText(yaml, "<command>", registry_);
  if (loaded.ok()) return loaded;
  std::ostringstream problems;
  (void)ReportProblems(loaded, problems);
  std::string text = problems.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return MakeError(Code::kInvalidArgument, "{} configuration problem(s):\n{}",
                   loaded.problems.size(), text);
}

Loaded Applier::Current() const {
  std::lock_guard lock(mu_);
  return running_;
}

std::pair<std::string, std::string> Applier::CurrentText() const {
  std::lock_guard lock(mu_);
  return {yaml_, running_.hash};
}

Status Applier::Persist(const std::string& yaml) const {
  if (path_.empty()) return OkStatus();
  return WriteFileAtomically(path_, yaml, 0640);
}

Result<std::string> Applier::Apply(const std::string& yaml, const std::string& expected_hash) {
  auto next = Validate(yaml);
  if (!next) return std::unexpected(next.error());
  std::lock_guard apply_lock(apply_mu_);
  const Loaded previous = Current();
  if (!expected_hash.empty() && expected_hash != previous.hash) {
    return MakeError(Code::kFailedPrecondition,
                     "the running config is {}, not {}: it changed since it was read; "
                     "show it again and retry",
                     previous.hash.substr(0, 12), expected_hash.substr(0, 12));
  }
  if (next->hash == previous.hash) return previous.hash;
  if (auto fixed = RestartOnlyChanges(previous.config, next->config); !fixed.empty()) {
    return MakeError(Code::kFailedPrecondition,
                     "{} cannot change while running; edit {} and restart the daemon "
                     "(systemctl restart cityedged)",
                     fmt::join(fixed, ", "), path_);
  }
  runtime_.Stop();
  Status started = runtime_.Start(next->config);
  const bool file_written = started.has_value();
  if (started) started = Persist(yaml);
  if (!started) return std::unexpected(RollBack(previous, started.error(), file_written, yaml));
  {
    std::lock_guard lock(mu_);
    yaml_ = yaml;
    running_ = *next;
  }
  spdlog::info("config {} applied (was {})", next->hash.substr(0, 12), previous.hash.substr(0, 12));
  return next->hash;
}

Error Applier::RollBack(const Loaded& previous, const Error& failure, bool file_written,
                        const std::string& failed_yaml) {
  runtime_.Stop();
  spdlog::warn("config apply failed, restoring config {}: {}", previous.hash.substr(0, 12),
               failure);
  // A write that failed only at the folder fsync has already replaced the
  // file; it must hold the config that runs again.
  if (file_written && !path_.empty()) {
    auto on_disk = ReadSmallFile(path_, failed_yaml.size());
    if (on_disk && *on_disk == failed_yaml) {
      if (auto back = Persist(CurrentText().first); !back) {
        spdlog::warn("config file {} may not hold the running config: {}", path_, back.error());
      }
    }
  }
  if (auto restored = runtime_.Start(previous.config); !restored) {
    spdlog::error("restoring the previous config failed too: {}", restored.error());
    return Error(Code::kInternal,
                 fmt::format("the new config failed ({}) and the previous one did not start "
                             "again ({}); restart the daemon",
                             failure.message(), restored.error().message()));
  }
  return Error(Code::kFailedPrecondition,
               fmt::format("the new config failed to start and was rolled back to {}: {}",
                           previous.hash.substr(0, 12), failure.message()));
}

}  // namespace cityedge::config
