// SPDX-License-Identifier: Apache-2.0
// Config apply with roll back (DESIGN.md §3.6, `cityedge config apply` and the
// MQTT config command). A new config is validated; sections only a restart can
// change (gateway, journal, uplink, control, driver_dir) are refused; what the
// running config started is stopped and the new config started; then its YAML
// replaces the config file atomically. When the new config fails to start, or
// its file cannot be written, the previous config is started again and the
// file holds the previous YAML, so a reboot runs what runs now.
#pragma once

#include <mutex>
#include <string>
#include <utility>

#include "cityedge/v1/config.pb.h"
#include "daemon/config/loader.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::config {

// The part of the running daemon a config apply restarts (drivers and
// pipelines); the daemon implements it.
class Runtime {
 public:
  virtual ~Runtime() = default;
  // Stops what the running config started.
  virtual void Stop() = 0;
  // Starts what `config` describes. A start that fails leaves none of it
  // running.
  [[nodiscard]] virtual Status Start(const v1::Config& config) = 0;
};

// THREADING: every method is safe from any thread; applies run one at a time.
class Applier {
 public:
  // `path` is the file `running` was loaded from and that apply rewrites
  // (empty: nothing is written); `yaml` is its text.
  // OWNERSHIP: registry and runtime are borrowed and outlive the applier.
  Applier(std::string path, std::string yaml, Loaded running, const SchemaRegistry& registry,
          Runtime& runtime);

  // Validates a config; the error lists every problem, one per line.
  [[nodiscard]] Result<Loaded> Validate(const std::string& yaml) const;
  // The running config, and its YAML and hash.
  [[nodiscard]] Loaded Current() const;
  [[nodiscard]] std::pair<std::string, std::string> CurrentText() const;
  // Applies `yaml`; with a non-empty `expected_hash`, only when that is the
  // running config's hash. Returns the hash now running.
  [[nodiscard]] Result<std::string> Apply(const std::string& yaml,
                                          const std::string& expected_hash);

 private:
  [[nodiscard]] Status Persist(const std::string& yaml) const;
  // After a failed apply: the previous config runs again, and the file holds
  // it when the failed apply had already replaced it.
  [[nodiscard]] Error RollBack(const Loaded& previous, const Error& failure, bool file_written,
                               const std::string& failed_yaml);

  const std::string path_;
  const SchemaRegistry& registry_;
  Runtime& runtime_;
  std::mutex apply_mu_;  // one apply at a time
  mutable std::mutex mu_;
  std::string yaml_;
  Loaded running_;
};

}  // namespace cityedge::config
