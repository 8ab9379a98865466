// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/uplink_settings.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/ranges.h>

#include "daemon/uplink/connect_diagnosis.hpp"

namespace cityedge::uplink {
namespace {

void CheckReadable(const std::string& key, const std::string& path,
                   std::vector<std::string>* problems) {
  if (path.empty()) return;
  std::ifstream in(path);
  if (!in) problems->push_back(fmt::format("uplink.tls.{}: cannot read '{}'", key, path));
}

void CheckBrokers(const v1::UplinkConfig& uplink, std::vector<std::string>* problems) {
  if (uplink.brokers().empty()) problems->push_back("uplink.brokers: give at least one broker URI");
  for (const std::string& uri : uplink.brokers()) {
    auto address = ParseBrokerUri(uri);
    if (!address) {
      problems->push_back("uplink.brokers: " + address.error().message());
    } else if (address->tls && uplink.tls().ca_file().empty()) {
      problems->push_back(fmt::format(
          "uplink.tls.ca_file: required for '{}' (only the configured CA is trusted)", uri));
    }
  }
  const v1::TlsConfig& tls = uplink.tls();
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    problems->push_back("uplink.tls: cert_file and key_file go together");
  }
  CheckReadable("ca_file", tls.ca_file(), problems);
  CheckReadable("cert_file", tls.cert_file(), problems);
  CheckReadable("key_file", tls.key_file(), problems);
}

void ReadPassword(const std::string& path, std::string* password,
                  std::vector<std::string>* problems) {
  if (path.empty()) return;
  std::ifstream in(path);
  if (!in) {
    problems->push_back(fmt::format("uplink.password_file: cannot read '{}'", path));
    return;
  }
  std::getline(in, *password);
}

// Every value as given: the loader fills defaults from config.proto, and a
// config built in code goes through config::WithDefaults.
void CopyTuning(const v1::UplinkConfig& u, UplinkSettings* s) {
  s->topic_prefix = u.topic_prefix();
  s->keepalive_ms = static_cast<std::int64_t>(u.keepalive_ms());
  s->connect_timeout_ms = static_cast<std::int64_t>(u.connect_timeout_ms());
  s->max_batch_events = u.max_batch_events();
  s->max_batch_bytes = u.max_batch_bytes();
  s->linger_ms = static_cast<std::int64_t>(u.linger_ms());
  s->inflight_window = u.inflight_window();
  s->drain_rate = u.drain_rate();
  s->backoff_initial_ms = static_cast<std::int64_t>(u.backoff_initial_ms());
  s->backoff_max_ms = static_cast<std::int64_t>(u.backoff_max_ms());
  s->stable_after_ms = static_cast<std::int64_t>(u.stable_after_ms());
  s->first_connect_delay_max_ms = static_cast<std::int64_t>(u.first_connect_delay_max_ms());
  s->reject_retries = static_cast<int>(u.reject_retries());
  s->tls = u.tls();
  s->username = u.username();
}

}  // namespace

Result<UplinkSettings> ValidateUplinkSettings(const v1::Config& config,
                                              const std::string& state_dir) {
  std::vector<std::string> problems;
  const v1::UplinkConfig& uplink = config.uplink();
  UplinkSettings settings;
  settings.gateway_id = config.gateway().id();
  if (settings.gateway_id.empty()) problems.push_back("gateway.id: required");
  CheckBrokers(uplink, &problems);
  settings.brokers.assign(uplink.brokers().begin(), uplink.brokers().end());
  settings.mqtt5 = uplink.mqtt_version() == "5";
  if (!settings.mqtt5 && uplink.mqtt_version() != "3.1.1") {
    problems.push_back(
        fmt::format("uplink.mqtt_version: '{}' is not one of 5, 3.1.1", uplink.mqtt_version()));
  }
  CopyTuning(uplink, &settings);
  ReadPassword(uplink.password_file(), &settings.password, &problems);
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (state_dir.empty() || !std::filesystem::is_directory(state_dir)) {
    problems.push_back(fmt::format("uplink state folder '{}' is not a writable folder", state_dir));
  }
  settings.state_dir = state_dir;
  if (!problems.empty()) {
    return MakeError(Code::kInvalidArgument, "{}", fmt::join(problems, "; "));
  }
  return settings;
}

}  // namespace cityedge::uplink
