// SPDX-License-Identifier: Apache-2.0
// Topic names and payloads of the uplink (DESIGN.md §3.2).
#pragma once

#include <cstdint>
#include <string>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/status.hpp"
#include "daemon/journal/journal.hpp"

namespace cityedge::uplink {

inline constexpr std::uint32_t kSchemaVersion = 1;

struct Topics {
  std::string state;   // {prefix}/{gw}/state
  std::string cmd;     // {prefix}/{gw}/cmd
  std::string reply;   // {prefix}/{gw}/reply
  std::string events;  // {prefix}/{gw}/events/ (class appended)
};

[[nodiscard]] Topics MakeTopics(const std::string& prefix, const std::string& gateway_id);

// Serializes the lease as an EventBatch. The leased payloads already are
// serialized Events, so they are spliced in as EventBatch.events without a
// parse.
[[nodiscard]] std::string PackBatch(const journal::Lease& lease, const std::string& gateway_id,
                                    std::uint64_t session_seq, bool historical);

// Bytes an EventBatch adds around its events, for a gateway id of this
// length, plus the bytes each event adds (tag and length).
[[nodiscard]] std::size_t BatchOverheadBytes(std::size_t gateway_id_size);
[[nodiscard]] std::size_t PerEventOverheadBytes(std::size_t event_size);

// Bytes of a QoS 1 PUBLISH packet around the payload (fixed header, topic,
// packet id, properties), an upper bound.
[[nodiscard]] std::size_t PublishOverheadBytes(std::size_t topic_size);

}  // namespace cityedge::uplink
