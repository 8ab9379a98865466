// SPDX-License-Identifier: Apache-2.0
// The uplink's settings after validation, copied from the config as given:
// its defaults come from config.proto (the loader, or config::WithDefaults
// for a config built in code), never from here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::uplink {

struct UplinkSettings {
  std::string gateway_id;
  std::vector<std::string> brokers;
  bool mqtt5 = true;
  std::string topic_prefix;
  std::int64_t keepalive_ms = 0;
  std::int64_t connect_timeout_ms = 0;
  std::string username;
  std::string password;
  v1::TlsConfig tls;
  std::size_t max_batch_events = 0;
  std::size_t max_batch_bytes = 0;
  std::int64_t linger_ms = 0;
  std::size_t inflight_window = 0;
  double drain_rate = 0;
  std::int64_t backoff_initial_ms = 0;
  std::int64_t backoff_max_ms = 0;
  std::int64_t stable_after_ms = 0;
  std::int64_t first_connect_delay_max_ms = 0;
  int reject_retries = 0;
  std::string state_dir;
};

// Checks the gateway id, broker URIs, protocol version and TLS files, reads
// the password file, and makes sure `state_dir` exists. Reports every problem
// found, not just the first.
[[nodiscard]] Result<UplinkSettings> ValidateUplinkSettings(const v1::Config& config,
                                                            const std::string& state_dir);

}  // namespace cityedge::uplink
