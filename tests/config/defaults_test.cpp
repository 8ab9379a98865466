// SPDX-License-Identifier: Apache-2.0
// One source of defaults: a config built in code and passed through
// WithDefaults holds, field for field, the default_text of config.proto, and
// equals what the loader makes of a file that leaves everything out.
#include <string>

#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include "daemon/config/defaults.hpp"
#include "daemon/config/loader.hpp"
#include "daemon/config/proto_fields.hpp"
#include "tests/config/fake_registry.hpp"

namespace cityedge::config {
namespace {

namespace pb = google::protobuf;
using CppType = pb::FieldDescriptor::CppType;
using pb::util::MessageDifferencer;

// The field's value in the form a SettingValue holds it.
v1::SettingValue ValueOf(const pb::Message& message, const pb::FieldDescriptor* field) {
  const pb::Reflection* r = message.GetReflection();
  v1::SettingValue v;
  switch (field->cpp_type()) {
    case CppType::CPPTYPE_STRING:
      v.set_string_value(r->GetString(message, field));
      break;
    case CppType::CPPTYPE_BOOL:
      v.set_bool_value(r->GetBool(message, field));
      break;
    case CppType::CPPTYPE_UINT32:
      v.set_int_value(r->GetUInt32(message, field));
      break;
    case CppType::CPPTYPE_UINT64:
      v.set_int_value(static_cast<std::int64_t>(r->GetUInt64(message, field)));
      break;
    case CppType::CPPTYPE_INT32:
      v.set_int_value(r->GetInt32(message, field));
      break;
    case CppType::CPPTYPE_INT64:
      v.set_int_value(r->GetInt64(message, field));
      break;
    case CppType::CPPTYPE_DOUBLE:
      v.set_double_value(r->GetDouble(message, field));
      break;
    default:
      break;
  }
  return v;
}

// Checks every defaulted scalar of `message` and of its sections; returns how
// many fields it compared.
int CheckDefaults(const pb::Message& message, const std::string& path) {
  int compared = 0;
  const pb::Descriptor* descriptor = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    const std::string key = path + internal::YamlKey(field);
    if (field->is_map() || field->is_repeated()) continue;
    if (field->cpp_type() == CppType::CPPTYPE_MESSAGE) {
      compared += CheckDefaults(r->GetMessage(message, field), key + ".");
      continue;
    }
    const SettingSpec spec = internal::SpecForField(field);
    if (spec.default_text.empty()) continue;
    INFO(key << " (default " << spec.default_text << ")");
    const auto expected = internal::DefaultForField(field);
    REQUIRE(expected.has_value());
    CHECK(MessageDifferencer::Equals(ValueOf(message, field), *expected));
    ++compared;
  }
  return compared;
}

TEST_CASE("A config built in code holds every default of config.proto") {
  v1::Config config;
  config.mutable_gateway()->set_id("gw1");
  config.mutable_uplink()->add_brokers("tcp://localhost:1883");
  config = WithDefaults(config);
  // Every section with defaults: logging, journal, uplink, control, health,
  // and driver_dir at the top.
  CHECK(CheckDefaults(config, "") >= 30);
  CHECK(config.journal().commit_interval_ms() == 20);
  CHECK(config.journal().history_bytes() == 32u << 20);
  CHECK(config.uplink().linger_ms() == 50);
  CHECK(config.driver_dir() == "/usr/lib/cityedge/drivers");
  // A section without defaults stays unset.
  CHECK_FALSE(config.uplink().has_tls());
}

TEST_CASE("WithDefaults agrees with the loader and keeps what is set") {
  const testing::FakeRegistry registry;
  const Loaded loaded = LoadConfigText(
      "gateway: {id: gw1}\nuplink: {brokers: [tcp://localhost:1883]}\n", "min.yaml", registry);
  REQUIRE(loaded.ok());
  v1::Config built;
  built.mutable_gateway()->set_id("gw1");
  built.mutable_uplink()->add_brokers("tcp://localhost:1883");
  CHECK(MessageDifferencer::Equals(WithDefaults(built), loaded.config));
  // Going through it again changes nothing.
  CHECK(MessageDifferencer::Equals(WithDefaults(loaded.config), loaded.config));

  v1::JournalConfig journal;
  journal.set_max_bytes(2u << 20);
  journal.set_durability("full");
  journal = WithDefaults(journal);
  CHECK(journal.max_bytes() == 2u << 20);
  CHECK(journal.durability() == "full");
  CHECK(journal.commit_max_events() == 512);

  v1::Config with_instance;
  v1::DriverInstance* driver = with_instance.add_drivers();
  driver->set_id("d1");
  (*driver->mutable_settings())["path"].set_string_value("/p");
  with_instance = WithDefaults(with_instance);
  CHECK(with_instance.drivers(0).enabled());
  CHECK(with_instance.drivers(0).publish());
  CHECK(with_instance.drivers(0).settings().size() == 1);
}

}  // namespace
}  // namespace cityedge::config
