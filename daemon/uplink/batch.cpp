// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/batch.hpp"

#include <limits>

#include "daemon/core/wire.hpp"

namespace cityedge::uplink {

Topics MakeTopics(const std::string& prefix, const std::string& gateway_id) {
  const std::string base = prefix + "/" + gateway_id + "/";
  return Topics{base + "state", base + "cmd", base + "reply", base + "events/"};
}

std::string PackBatch(const journal::Lease& lease, const std::string& gateway_id,
                      std::uint64_t session_seq, bool historical) {
  v1::EventBatch header;
  header.set_gateway_id(gateway_id);
  header.set_session_seq(session_seq);
  header.set_historical(historical);
  header.set_schema_version(kSchemaVersion);
  std::string out;
  out.reserve(header.ByteSizeLong() + lease.bytes + lease.events.size() * 6);
  // Protobuf parsers accept fields in any order, so the header fields go
  // first and the events are appended as length-delimited fields.
  header.AppendToString(&out);
  for (const journal::LeasedEvent& event : lease.events) {
    wire::AppendBytesField(out, v1::EventBatch::kEventsFieldNumber, event.payload);
  }
  return out;
}

std::size_t BatchOverheadBytes(std::size_t gateway_id_size) {
  using B = v1::EventBatch;
  // Every header field at its largest value.
  return wire::BytesFieldSize(B::kGatewayIdFieldNumber, gateway_id_size) +
         wire::VarintFieldSize(B::kSessionSeqFieldNumber,
                               std::numeric_limits<std::uint64_t>::max()) +
         wire::VarintFieldSize(B::kHistoricalFieldNumber, 1) +
         wire::VarintFieldSize(B::kSchemaVersionFieldNumber,
                               std::numeric_limits<std::uint32_t>::max());
}

std::size_t PerEventOverheadBytes(std::size_t event_size) {
  return wire::BytesFieldSize(v1::EventBatch::kEventsFieldNumber, event_size) - event_size;
}

std::size_t PublishOverheadBytes(std::size_t topic_size) {
  // Fixed header (1 + up to 4 length bytes), topic (2 + n), packet id (2),
  // MQTT 5 property length (up to 4).
  return 5 + 2 + topic_size + 2 + 4;
}

}  // namespace cityedge::uplink
