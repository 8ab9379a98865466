// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/wire.hpp"

namespace cityedge::wire {
namespace {

TEST_CASE("A varint field is what protobuf serializes for it") {
  for (const std::uint64_t seq :
       {std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128}, std::uint64_t{300},
        std::uint64_t{1} << 35, std::numeric_limits<std::uint64_t>::max()}) {
    v1::Event event;
    event.set_seq(seq);
    std::string ours;
    AppendVarintField(ours, v1::Event::kSeqFieldNumber, seq);
    CHECK(ours == event.SerializeAsString());
    CHECK(VarintFieldSize(v1::Event::kSeqFieldNumber, seq) == event.ByteSizeLong());
  }
}

TEST_CASE("Length-delimited fields appended to a message are what protobuf serializes") {
  v1::Event first;
  first.set_seq(1);
  first.set_source("aq1");
  first.mutable_reading()->set_channel("pm2_5");
  v1::Event second;
  second.set_seq(2);
  second.set_source(std::string(200, 's'));  // a length that takes two varint bytes

  v1::EventBatch header;
  header.set_gateway_id("gw-1");
  header.set_session_seq(9);
  std::string ours = header.SerializeAsString();
  for (const v1::Event* event : {&first, &second}) {
    AppendBytesField(ours, v1::EventBatch::kEventsFieldNumber, event->SerializeAsString());
  }

  v1::EventBatch whole = header;
  *whole.add_events() = first;
  *whole.add_events() = second;
  CHECK(ours == whole.SerializeAsString());

  std::size_t size = header.ByteSizeLong();
  for (const v1::Event* event : {&first, &second}) {
    size += BytesFieldSize(v1::EventBatch::kEventsFieldNumber, event->ByteSizeLong());
  }
  CHECK(size == ours.size());
}

TEST_CASE("Tags and varints take the bytes protobuf says") {
  CHECK(TagSize(1) == 1);
  CHECK(TagSize(15) == 1);
  CHECK(TagSize(16) == 2);
  CHECK(TagSize(2047) == 2);
  CHECK(TagSize(2048) == 3);
  CHECK(VarintSize(0) == 1);
  CHECK(VarintSize(127) == 1);
  CHECK(VarintSize(128) == 2);
  CHECK(VarintSize(std::numeric_limits<std::uint64_t>::max()) == 10);
}

}  // namespace
}  // namespace cityedge::wire
