// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include <google/protobuf/util/message_differencer.h>

#include "daemon/uplink/batch.hpp"

namespace cityedge::uplink {
namespace {

v1::Event MakeEvent(std::uint64_t seq, std::string source) {
  v1::Event event;
  event.set_seq(seq);
  event.set_source(std::move(source));
  event.set_priority(v1::PRIORITY_CLASS_TELEMETRY);
  event.mutable_reading()->set_channel("pm2_5");
  return event;
}

TEST_CASE("PackBatch gives the bytes protobuf serializes for the header and each event") {
  const v1::Event events[] = {MakeEvent(1, "aq1"), MakeEvent(300, std::string(200, 's')),
                              MakeEvent(1ULL << 40, "aq2")};
  v1::EventBatch header;
  header.set_gateway_id("gw-7");
  header.set_session_seq(42);
  header.set_historical(true);
  header.set_schema_version(kSchemaVersion);
  journal::Lease lease;
  // The header's fields first, then each event as protobuf writes a batch
  // holding only that event.
  std::string expected = header.SerializeAsString();
  v1::EventBatch whole = header;
  for (const v1::Event& event : events) {
    lease.events.push_back({event.seq(), event.SerializeAsString()});
    lease.bytes += lease.events.back().payload.size();
    v1::EventBatch one;
    *one.add_events() = event;
    expected += one.SerializeAsString();
    *whole.add_events() = event;
  }
  const std::string packed = PackBatch(lease, "gw-7", 42, true);
  CHECK(packed == expected);
  v1::EventBatch parsed;
  REQUIRE(parsed.ParseFromString(packed));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(parsed, whole));
  CHECK(packed.size() == whole.ByteSizeLong());

  CHECK(PackBatch(journal::Lease{}, "gw-7", 42, true) == header.SerializeAsString());
}

TEST_CASE("The batch overheads bound what protobuf adds around the events") {
  v1::EventBatch header;
  header.set_gateway_id(std::string(130, 'g'));
  header.set_session_seq(std::numeric_limits<std::uint64_t>::max());
  header.set_historical(true);
  header.set_schema_version(std::numeric_limits<std::uint32_t>::max());
  CHECK(BatchOverheadBytes(130) == header.ByteSizeLong());

  v1::EventBatch one;
  const v1::Event event = MakeEvent(5, std::string(300, 'e'));
  *one.add_events() = event;
  CHECK(PerEventOverheadBytes(event.ByteSizeLong()) + event.ByteSizeLong() == one.ByteSizeLong());
}

}  // namespace
}  // namespace cityedge::uplink
