// SPDX-License-Identifier: Apache-2.0
// The MQTT session as the uplink needs it, behind a small interface so the
// scheduling logic can be tested without a broker. PahoTransport is the real
// implementation (the only code that includes Paho); tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::uplink {

// A message to publish. Everything is copied by the transport.
struct OutboundMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = false;
  std::string response_topic;    // MQTT 5 only; empty: none
  std::string correlation_data;  // MQTT 5 only
};

struct ConnectParams {
  std::string uri;  // tcp://host:port or ssl://host:port
  std::string client_id;
  bool mqtt5 = true;
  std::int64_t keepalive_ms = 30000;
  std::int64_t connect_timeout_ms = 10000;
  std::string username;
  std::string password;
  v1::TlsConfig tls;
  OutboundMessage will;  // retained offline state
  // When set, the broker's certificate is checked at this time (s since the
  // Unix epoch) instead of the wall clock's: see certificate_time.hpp.
  std::optional<std::int64_t> certificate_check_time_s;
};

struct SessionInfo {
  std::string uri;
  // Broker limits from the MQTT 5 CONNACK; 0 means the broker set none.
  std::uint32_t maximum_packet_size = 0;
  std::uint32_t receive_maximum = 0;
};

// An inbound message on a subscribed topic.
struct InboundMessage {
  std::string topic;
  std::string payload;
  std::string response_topic;
  std::string correlation_data;
};

// MQTT 5 reason codes from 0x80 up refuse what was asked (a PUBACK that
// refuses a publish, a CONNACK that refuses a session).
inline constexpr int kFirstMqttRefusalReason = 0x80;

// Completion of a publish made with a non-zero tag.
struct PublishOutcome {
  std::uint64_t tag = 0;
  // True when a PUBACK arrived; reason_code is its MQTT 5 reason (0 under
  // 3.1.1). False when the publish failed without a PUBACK (connection lost).
  bool acknowledged = false;
  int reason_code = 0;
  std::string detail;
};

// Receives transport events. THREADING: called on the transport's own threads;
// implementations must not block and must not call back into the transport.
class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void OnPublishOutcome(const PublishOutcome& outcome) = 0;
  virtual void OnConnectionLost(const std::string& cause) = 0;
  virtual void OnMessage(InboundMessage message) = 0;
};

// THREADING: Connect, Subscribe and Disconnect are called from one thread (the
// uplink worker); Publish may also be called from other threads while
// connected. The listener must outlive the transport.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void SetListener(TransportListener* listener) = 0;
  // Blocks until the session is up or the attempt failed; the error names the
  // cause (DNS, refused, TLS verify failure, not authorised, timeout).
  [[nodiscard]] virtual Result<SessionInfo> Connect(const ConnectParams& params) = 0;
  [[nodiscard]] virtual Status Subscribe(const std::string& topic, int qos) = 0;
  // Starts a publish; a non-zero tag reports its outcome to the listener.
  [[nodiscard]] virtual Status Publish(std::uint64_t tag, const OutboundMessage& message) = 0;
  // Blocks until the given publish completes or the timeout passes.
  [[nodiscard]] virtual Status PublishAndWait(const OutboundMessage& message,
                                              std::int64_t timeout_ms) = 0;
  virtual void Disconnect(std::int64_t timeout_ms) = 0;
};

// The Paho MQTT C++ transport.
[[nodiscard]] std::unique_ptr<Transport> MakePahoTransport();

}  // namespace cityedge::uplink
