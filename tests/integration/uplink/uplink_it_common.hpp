// SPDX-License-Identifier: Apache-2.0
// Shared set-up of the uplink integration tests: config, event source, and
// the fixtures that tie a broker, the platform subscriber and an uplink.
#pragma once

#include <atomic>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::uplink::it {

inline v1::Config UplinkConfig(const std::vector<std::string>& brokers) {
  v1::Config config = config::WithDefaults(v1::Config());
  config.mutable_gateway()->set_id("gw1");
  v1::UplinkConfig* u = config.mutable_uplink();
  for (const std::string& b : brokers) u->add_brokers(b);
  u->set_topic_prefix("city");
  u->set_keepalive_ms(5000);
  u->set_connect_timeout_ms(3000);
  u->set_max_batch_events(200);
  u->set_max_batch_bytes(256 * 1024);
  u->set_linger_ms(20);
  u->set_inflight_window(8);
  u->set_backoff_initial_ms(100);
  u->set_backoff_max_ms(400);
  u->set_stable_after_ms(2000);
  u->set_first_connect_delay_max_ms(0);
  u->set_reject_retries(2);
  return config;
}

inline v1::Event MakeEvent(v1::PriorityClass priority, int i) {
  v1::Event event;
  event.set_priority(priority);
  event.set_source("aq1");
  clock::Default().Stamp(event.mutable_capture_time());
  v1::Reading* reading = event.mutable_reading();
  reading->set_channel("pm2_5");
  reading->set_value(i);
  reading->set_unit("ug/m3");
  return event;
}

// Emits `count` events into `sink` from a thread, pausing 1 ms after every
// `per_ms` events (0: no pause).
class Source {
 public:
  Source(EventSink& sink, int count, int per_ms, v1::PriorityClass priority)
      : thread_([&sink, count, per_ms, priority, this] {
          for (int i = 0; i < count && !stop_; ++i) {
            if (!sink.Emit(MakeEvent(priority, i))) ++failures_;
            if (per_ms > 0 && i % per_ms == per_ms - 1) {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
          }
        }) {}
  ~Source() {
    stop_ = true;
    Join();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] int failures() const { return failures_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

inline std::vector<std::string> SubscriberArgs(int port, const std::string& extra_flag = "",
                                               const std::string& extra_value = "") {
  std::vector<std::string> args = {"--port", std::to_string(port), "--prefix", "city", "--gateway",
                                   "gw1",    "--timeout",          "120"};
  if (!extra_flag.empty()) {
    args.push_back(extra_flag);
    args.push_back(extra_value);
  }
  return args;
}

inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace cityedge::uplink::it
