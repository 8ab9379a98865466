// SPDX-License-Identifier: Apache-2.0
// The uplink carries the journal to the city platform over MQTT (DESIGN.md
// §3.2, §3.3): birth and death on {prefix}/{gw}/state, EventBatches on
// {prefix}/{gw}/events/{class}, commands from {prefix}/{gw}/cmd.
//
// Delivery: rows are leased from the journal, packed per priority class and
// published at QoS 1 within a window of in-flight batches. A PUBACK (reason
// below 0x80) acks the lease; a refusal (MQTT 5 reason 0x80 or above) is
// retried `reject_retries` times and then dead-lettered without holding up
// other batches; a disconnect releases every outstanding lease so its rows go
// again on the next session (the platform dedups on (gateway id, seq)).
//
// Live first: at each connect the journal's durable seq is the boundary. Rows
// above it are live and leased first; rows at or below it are backlog, flagged
// historical and paced by a token bucket at `drain_rate` events/s. A live
// alarm is leased as soon as it is durable (Journal::DurableAlarmSeq), not
// after `linger_ms`, and the journal leases alarms ahead of other classes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/status.hpp"
#include "daemon/journal/journal.hpp"

namespace cityedge::uplink {

class Transport;

// Fills the parts of the birth message the uplink does not know: software
// version, drivers, pipelines, config hash, capabilities, egress policy. The
// uplink sets gateway id, session seq, status, schema version, time, clock
// state and backlog. THREADING: called on the uplink worker thread at every
// connect; must not block for long.
using BirthProvider = std::function<v1::GatewayState()>;

// A message that arrived on the command topic. The payload is the raw
// SignedCommand bytes; checking it is the control plane's job.
struct InboundCommand {
  std::string payload;
  std::string response_topic;    // MQTT 5 response topic; empty under 3.1.1
  std::string correlation_data;  // MQTT 5 correlation data
};

// THREADING: called on the MQTT library's callback thread; must not block
// (queue the command and return).
using CommandHandler = std::function<void(InboundCommand command)>;

// The last known good wall time in ns since the Unix epoch (the clock floor),
// or nullopt when none is known. THREADING: called on the uplink worker
// before every connect.
using TimeFloor = std::function<std::optional<std::int64_t>()>;

struct UplinkStats {
  bool connected = false;
  std::string broker;                     // URI of the current or last session
  std::uint64_t session_seq = 0;          // of the current or last session
  std::uint32_t maximum_packet_size = 0;  // from CONNACK, 0: none given
  std::uint64_t connects = 0;
  std::uint64_t reconnects = 0;  // connects after the first
  std::uint64_t connect_failures = 0;
  std::uint64_t batches_published = 0;  // every PUBLISH of a batch, retries included
  std::uint64_t events_published = 0;
  std::uint64_t events_acked = 0;
  std::uint64_t batches_refused = 0;  // PUBACKs with reason >= 0x80
  std::uint64_t events_dead_lettered = 0;
  std::uint64_t inflight_batches = 0;
  std::string last_error;             // empty until something failed
  double publish_latency_p50_ms = 0;  // publish -> PUBACK, recent batches
  double publish_latency_p99_ms = 0;
  // The worker is alive while the steady clock is below this: it is renewed
  // before every bounded wait (a serve pass, a connect, a backoff sleep) with
  // that wait's longest duration plus slack. The service watchdog reads it.
  std::int64_t progress_deadline_steady_ns = 0;
};

class Uplink {
 public:
  // Validates the uplink config; does no I/O beyond reading the persisted
  // session seq from `state_dir`/uplink_session_seq (created on first connect).
  // OWNERSHIP: `journal` and `clock` are borrowed and must outlive the uplink.
  [[nodiscard]] static Result<std::unique_ptr<Uplink>> Create(const v1::Config& config,
                                                              journal::Journal& journal,
                                                              const clock::Clock& clock,
                                                              std::string state_dir,
                                                              BirthProvider birth_provider);
  // Same, over a given transport (unit tests use a fake broker).
  [[nodiscard]] static Result<std::unique_ptr<Uplink>> CreateWithTransportForTest(
      const v1::Config& config, journal::Journal& journal, const clock::Clock& clock,
      std::string state_dir, BirthProvider birth_provider, std::unique_ptr<Transport> transport);

  virtual ~Uplink() = default;

  // Starts the worker thread: first-connect delay, then connect, publish and
  // reconnect until Stop. Installs the journal's commit listener. Call once.
  [[nodiscard]] virtual Status Start() = 0;
  // Stops taking new leases, waits up to `timeout` for in-flight batches,
  // publishes the retained offline state, disconnects and releases what is
  // left. Idempotent; the destructor calls it.
  virtual void Stop(std::chrono::milliseconds timeout) = 0;

  // THREADING: GetStats, SetCommandHandler and PublishReply are safe from any
  // thread.
  [[nodiscard]] virtual UplinkStats GetStats() const = 0;
  // Set before Start to see every command; replaces any earlier handler.
  virtual void SetCommandHandler(CommandHandler handler) = 0;
  // Set before Start. While the wall clock reads earlier than the floor (a
  // box without RTC booted at 1970), the broker's certificate is checked at
  // the floor rather than at the wall clock.
  virtual void SetTimeFloor(TimeFloor floor) = 0;
  // Sends a serialized CommandReply: to the command's MQTT 5 response topic
  // with its correlation data, else to {prefix}/{gw}/reply. Not journaled:
  // fails with kUnavailable while disconnected.
  [[nodiscard]] virtual Status PublishReply(const InboundCommand& command,
                                            std::string reply_payload) = 0;
  // Publishes the birth message again (retained) at the next chance of the
  // worker; sent at the next connect when disconnected now.
  virtual void RequestRebirth() = 0;
  // Sends events of one class again, as an EventBatch flagged historical, at
  // QoS 1 outside the lease window (a replay asked for by the platform or a
  // technician; the journal is not changed). Fails with kUnavailable while
  // disconnected; the caller paces and retries.
  [[nodiscard]] virtual Status PublishReplay(v1::PriorityClass priority,
                                             std::vector<journal::LeasedEvent> events) = 0;
};

}  // namespace cityedge::uplink
