// SPDX-License-Identifier: Apache-2.0
// Names the cause of a failed connect. MQTT libraries report most network
// failures as one generic code, so after a failure the uplink probes the path
// itself, step by step: DNS, TCP, TLS (with the same CA, client certificate
// and host name check), then the broker's CONNACK reason.
#pragma once

#include <string>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::uplink {

struct BrokerAddress {
  bool tls = false;
  std::string host;
  std::string port;
};

// Parses tcp://host:port, mqtt://, ssl://, mqtts:// (IPv6 hosts in brackets).
[[nodiscard]] Result<BrokerAddress> ParseBrokerUri(const std::string& uri);

// Maps an MQTT CONNACK refusal (3.1.1 return code 1..5 or MQTT 5 reason
// >= 0x80) to an error; an empty optional-like kOk result when the code is no
// refusal. Returns std::nullopt semantics through `matched`.
[[nodiscard]] Error ConnackRefusal(int code, bool* matched);

// Probes DNS, TCP and TLS towards the broker and returns the first failure
// found, or an error built from `fallback` when every step passes.
// Blocks for at most about 2 * timeout_ms.
[[nodiscard]] Error DiagnoseConnectFailure(const std::string& uri, const v1::TlsConfig& tls,
                                           int timeout_ms, const std::string& fallback);

}  // namespace cityedge::uplink
