#include "daemon/uplink/batch.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace cityedge::uplink {
namespace {

constexpr int kEventsField = 3;  // EventBatch.events

std::size_t VarintSize(std::uint64_t value) {
  return google::protobuf::io::CodedOutputStream::VarintSize64(value);
}

}  // namespace

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
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // Protobuf parsers accept fields in any order, so the header fields go
    // first and the events are appended as length-delimited field 3.
    header.SerializeToCodedStream(&coded);
    const std::uint32_t tag = (kEventsField << 3) | 2;
    for (const journal::LeasedEvent& event : lease.events) {
      coded.WriteVarint32(tag);
      coded.WriteVarint64(event.payload.size());
      coded.WriteRaw(event.payload.data(), static_cast<int>(event.payload.size()));
    }
  }
  return out;
}

std::size_t BatchOverheadBytes(std::size_t gateway_id_size) {
  // gateway_id (tag + length + bytes), session_seq (tag + 10), historical
  // (2), schema_version (tag + 5).
  return 1 + VarintSize(gateway_id_size) + gateway_id_size + 11 + 2 + 6;
}

std::size_t PerEventOverheadBytes(std::size_t event_size) { return 1 + VarintSize(event_size); }

std::size_t PublishOverheadBytes(std::size_t topic_size) {
  // Fixed header (1 + up to 4 length bytes), topic (2 + n), packet id (2),
  // MQTT 5 property length (up to 4).
  return 5 + 2 + topic_size + 2 + 4;
}

}  // namespace cityedge::uplink
