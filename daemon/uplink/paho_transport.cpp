// SPDX-License-Identifier: Apache-2.0
// The Paho MQTT C++ adapter: the only file that includes Paho. Paho reports
// failures by throwing mqtt::exception; every call is wrapped so that no
// exception leaves this file.
#include <atomic>
#include <chrono>
#include <mutex>

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "daemon/uplink/certificate_time.hpp"
#include "daemon/uplink/connect_diagnosis.hpp"
#include "daemon/uplink/transport.hpp"

namespace cityedge::uplink {
namespace {

constexpr int kMqtt5 = 5;
constexpr int kMqtt311 = 4;

// Paho hands the user context back as void*; the tag travels inside it.
void* TagToContext(std::uint64_t tag) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(tag));
}
std::uint64_t ContextToTag(void* context) { return reinterpret_cast<std::uintptr_t>(context); }

std::string PropertyString(const mqtt::properties& props, mqtt::property::code code) {
  if (!props.contains(code)) return {};
  return mqtt::get<std::string>(props, code);
}

std::uint32_t PropertyU32(const mqtt::properties& props, mqtt::property::code code) {
  if (!props.contains(code)) return 0;
  if (code == mqtt::property::RECEIVE_MAXIMUM) return mqtt::get<std::uint16_t>(props, code);
  return mqtt::get<std::uint32_t>(props, code);
}

class PublishListener final : public mqtt::iaction_listener {
 public:
  explicit PublishListener(std::atomic<TransportListener*>* listener) : listener_(listener) {}

  void on_success(const mqtt::token& tok) override {
    PublishOutcome outcome{ContextToTag(tok.get_user_context()), true, tok.get_reason_code(), ""};
    Deliver(outcome);
  }
  void on_failure(const mqtt::token& tok) override {
    PublishOutcome outcome{ContextToTag(tok.get_user_context()), false, tok.get_reason_code(), ""};
    // Paho reports an MQTT 5 PUBACK with a refusal reason as a failure; that
    // is an answer from the broker, not a lost connection.
    outcome.acknowledged = outcome.reason_code >= kFirstMqttRefusalReason;
    outcome.detail = fmt::format("publish failed (rc {}, reason 0x{:02x})", tok.get_return_code(),
                                 outcome.reason_code);
    Deliver(outcome);
  }

 private:
  void Deliver(const PublishOutcome& outcome) {
    if (TransportListener* listener = listener_->load(); listener && outcome.tag != 0) {
      listener->OnPublishOutcome(outcome);
    }
  }
  std::atomic<TransportListener*>* listener_;
};

class PahoTransport final : public Transport {
 public:
  PahoTransport() : publish_listener_(&listener_) {}
  ~PahoTransport() override { Disconnect(1000); }

  void SetListener(TransportListener* listener) override { listener_ = listener; }
  Result<SessionInfo> Connect(const ConnectParams& params) override;
  Status Subscribe(const std::string& topic, int qos) override;
  Status Publish(std::uint64_t tag, const OutboundMessage& message) override;
  Status PublishAndWait(const OutboundMessage& message, std::int64_t timeout_ms) override;
  void Disconnect(std::int64_t timeout_ms) override;

 private:
  Status EnsureClient(const ConnectParams& params);
  mqtt::connect_options BuildOptions(const ConnectParams& params);
  mqtt::message_ptr ToPaho(const OutboundMessage& message) const;
  void InstallHandlers();
  Error ExplainFailure(const ConnectParams& params, const mqtt::exception& error);

  std::atomic<TransportListener*> listener_{nullptr};
  PublishListener publish_listener_;
  // Replaced only on the worker thread while no session is up; Publish from
  // other threads takes the mutex to read it.
  mutable std::mutex client_mutex_;
  std::shared_ptr<mqtt::async_client> client_;
  std::string client_uri_;
  bool client_mqtt5_ = true;
  std::mutex ssl_error_mutex_;
  std::string ssl_error_;
};

Status PahoTransport::EnsureClient(const ConnectParams& params) {
  if (client_ && client_uri_ == params.uri && client_mqtt5_ == params.mqtt5) return OkStatus();
  try {
    // No persistence and no offline buffer: the journal is the only store.
    mqtt::create_options options(params.mqtt5 ? kMqtt5 : kMqtt311);
    auto client =
        std::make_shared<mqtt::async_client>(params.uri, params.client_id, options, nullptr);
    std::lock_guard lock(client_mutex_);
    client_ = std::move(client);
    client_uri_ = params.uri;
    client_mqtt5_ = params.mqtt5;
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kInvalidArgument, "broker URI '{}': {}", params.uri, e.what());
  }
  InstallHandlers();
  return OkStatus();
}

void PahoTransport::InstallHandlers() {
  client_->set_connection_lost_handler([this](const std::string& cause) {
    if (TransportListener* listener = listener_.load()) {
      listener->OnConnectionLost(cause.empty() ? "connection lost" : cause);
    }
  });
  client_->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
    if (TransportListener* listener = listener_.load()) {
      listener->OnConnectionLost(
          fmt::format("broker sent DISCONNECT (reason 0x{:02x})", static_cast<int>(reason)));
    }
  });
  client_->set_message_callback([this](mqtt::const_message_ptr message) {
    TransportListener* listener = listener_.load();
    if (!listener || !message) return;
    const mqtt::properties& props = message->get_properties();
    listener->OnMessage(InboundMessage{message->get_topic(), message->get_payload_str(),
                                       PropertyString(props, mqtt::property::RESPONSE_TOPIC),
                                       PropertyString(props, mqtt::property::CORRELATION_DATA)});
  });
}

mqtt::connect_options PahoTransport::BuildOptions(const ConnectParams& params) {
  mqtt::connect_options_builder builder;
  builder.mqtt_version(params.mqtt5 ? kMqtt5 : kMqtt311)
      .keep_alive_interval(std::chrono::milliseconds(params.keepalive_ms))
      .connect_timeout(std::chrono::milliseconds(params.connect_timeout_ms))
      .automatic_reconnect(false)
      .will(mqtt::message(params.will.topic, params.will.payload, params.will.qos, true));
  // A clean session each time: unacked rows go again from the journal.
  if (params.mqtt5) {
    builder.clean_session(false).clean_start(true);
  } else {
    builder.clean_session(true);
  }
  if (!params.username.empty()) builder.user_name(params.username).password(params.password);
  auto address = ParseBrokerUri(params.uri);
  if (address && address->tls) {
    mqtt::ssl_options_builder ssl;
    ssl.trust_store(params.tls.ca_file()).enable_server_cert_auth(true).verify(true);
    if (!params.tls.cert_file().empty()) {
      ssl.key_store(params.tls.cert_file()).private_key(params.tls.key_file());
    }
    ssl.error_handler([this](const std::string& text) {
      std::lock_guard lock(ssl_error_mutex_);
      ssl_error_ = text;
    });
    builder.ssl(ssl.finalize());
  }
  return builder.finalize();
}

Error PahoTransport::ExplainFailure(const ConnectParams& params, const mqtt::exception& error) {
  bool matched = false;
  for (const int code : {error.get_reason_code(), error.get_return_code()}) {
    Error refusal = ConnackRefusal(code, &matched);
    if (matched) return refusal.Wrap(params.uri);
  }
  std::string fallback = fmt::format("{}: MQTT handshake failed: {}", params.uri, error.what());
  {
    std::lock_guard lock(ssl_error_mutex_);
    if (!ssl_error_.empty()) fallback += " (TLS: " + ssl_error_ + ")";
  }
  return DiagnoseConnectFailure(
      params.uri, params.tls,
      static_cast<int>(std::min<std::int64_t>(params.connect_timeout_ms, 5000)), fallback);
}

Result<SessionInfo> PahoTransport::Connect(const ConnectParams& params) {
  if (Status ready = EnsureClient(params); !ready) return std::unexpected(ready.error());
  // No handshake runs now: the previous attempt ended or its client is gone.
  if (Status set = SetCertificateCheckTime(params.certificate_check_time_s); !set) {
    spdlog::warn("uplink: certificates are checked at the wall clock: {}", set.error());
  }
  {
    std::lock_guard lock(ssl_error_mutex_);
    ssl_error_.clear();
  }
  try {
    mqtt::token_ptr token = client_->connect(BuildOptions(params));
    if (!token->wait_for(std::chrono::milliseconds(params.connect_timeout_ms + 2000))) {
      // Paho keeps the attempt alive; a fresh client drops it.
      std::lock_guard lock(client_mutex_);
      client_.reset();
      return MakeError(Code::kDeadlineExceeded, "{}: no CONNACK within {} ms", params.uri,
                       params.connect_timeout_ms);
    }
    const mqtt::connect_response response = token->get_connect_response();
    const mqtt::properties& props = response.get_properties();
    return SessionInfo{params.uri, PropertyU32(props, mqtt::property::MAXIMUM_PACKET_SIZE),
                       PropertyU32(props, mqtt::property::RECEIVE_MAXIMUM)};
  } catch (const mqtt::exception& e) {
    return std::unexpected(ExplainFailure(params, e));
  }
}

Status PahoTransport::Subscribe(const std::string& topic, int qos) {
  try {
    mqtt::token_ptr token = client_->subscribe(topic, qos);
    if (!token->wait_for(std::chrono::seconds(10))) {
      return MakeError(Code::kDeadlineExceeded, "no SUBACK for {}", topic);
    }
    return OkStatus();
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "subscribe {}: {}", topic, e.what());
  }
}

mqtt::message_ptr PahoTransport::ToPaho(const OutboundMessage& message) const {
  auto paho = mqtt::make_message(message.topic, message.payload, message.qos, message.retain);
  if (client_mqtt5_ && (!message.response_topic.empty() || !message.correlation_data.empty())) {
    // A reply carries only the request's correlation data; a request carries both.
    mqtt::properties props;
    if (!message.response_topic.empty()) {
      props.add(mqtt::property(mqtt::property::RESPONSE_TOPIC, message.response_topic));
    }
    if (!message.correlation_data.empty()) {
      props.add(mqtt::property(mqtt::property::CORRELATION_DATA, message.correlation_data));
    }
    paho->set_properties(props);
  }
  return paho;
}

Status PahoTransport::Publish(std::uint64_t tag, const OutboundMessage& message) {
  std::shared_ptr<mqtt::async_client> client;
  {
    std::lock_guard lock(client_mutex_);
    client = client_;
  }
  if (!client) return MakeError(Code::kUnavailable, "not connected");
  try {
    if (tag == 0) {
      client->publish(ToPaho(message));
    } else {
      client->publish(ToPaho(message), TagToContext(tag), publish_listener_);
    }
    return OkStatus();
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "publish to {}: {}", message.topic, e.what());
  }
}

Status PahoTransport::PublishAndWait(const OutboundMessage& message, std::int64_t timeout_ms) {
  if (!client_) return MakeError(Code::kUnavailable, "not connected");
  try {
    mqtt::delivery_token_ptr token = client_->publish(ToPaho(message));
    if (!token->wait_for(std::chrono::milliseconds(timeout_ms))) {
      return MakeError(Code::kDeadlineExceeded, "no PUBACK for {} within {} ms", message.topic,
                       timeout_ms);
    }
    return OkStatus();
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "publish to {}: {}", message.topic, e.what());
  }
}

void PahoTransport::Disconnect(std::int64_t timeout_ms) {
  if (!client_) return;
  try {
    if (client_->is_connected()) {
      client_->disconnect(static_cast<int>(timeout_ms))
          ->wait_for(std::chrono::milliseconds(timeout_ms + 500));
    }
  } catch (const mqtt::exception&) {
    // Already gone: nothing left to close.
  }
}

}  // namespace

std::unique_ptr<Transport> MakePahoTransport() { return std::make_unique<PahoTransport>(); }

}  // namespace cityedge::uplink
