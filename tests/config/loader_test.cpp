// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include "daemon/config/loader.hpp"
#include "tests/config/fake_registry.hpp"

namespace cityedge::config {
namespace {

constexpr const char* kMinimal =
    "gateway:\n"
    "  id: gw1\n"
    "uplink:\n"
    "  brokers: [tcp://localhost:1883]\n";

std::string SourceDir() {
  const char* source = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  return source;
}

Loaded Load(const std::string& text) {
  static const testing::FakeRegistry registry;
  return LoadConfigText(text, "test.yaml", registry);
}

TEST_CASE("The example config passes") {
  const testing::FakeRegistry registry;
  const Loaded loaded = LoadConfigFile(SourceDir() + "/config/cityedged.example.yaml", registry);
  INFO(FormatProblems(loaded.problems));
  REQUIRE(loaded.ok());
  std::ostringstream out;
  CHECK(ReportProblems(loaded, out) == 0);
  CHECK(out.str().empty());
  const v1::Config& config = loaded.config;
  CHECK(config.gateway().id() == "gw-harbour-03");
  CHECK(config.uplink().brokers_size() == 2);
  CHECK(config.uplink().has_tls());
  CHECK(config.control().platform_keys(0).id() == "city-ops-2026");
  REQUIRE(config.drivers_size() == 2);
  CHECK(config.drivers(0).settings().at("loop").bool_value());
  CHECK(config.drivers(1).settings().at("rate").double_value() == 1.0);  // default
  REQUIRE(config.pipelines_size() == 3);
  CHECK(config.pipelines(0).settings().at("debounce").int_value() == 600000);
  CHECK(config.pipelines(2).settings().at("red").double_value() == 4.0);
  CHECK(loaded.hash.size() == 64);
}

TEST_CASE("Every default in config.proto parses and the schema is supported") {
  const auto mistakes = CheckConfigSchema();
  for (const auto& m : mistakes) INFO(m);
  CHECK(mistakes.empty());
}

TEST_CASE("Missing keys and sections take their defaults") {
  const Loaded loaded = Load(kMinimal);
  INFO(FormatProblems(loaded.problems));
  REQUIRE(loaded.ok());
  const v1::Config& c = loaded.config;
  CHECK(c.logging().level() == "info");
  CHECK(c.journal().path() == "/var/lib/cityedge/journal.db");
  CHECK(c.journal().max_bytes() == 512ULL << 20);
  CHECK(c.journal().max_age_ms() == 30ULL * 86400000);
  CHECK(c.journal().commit_interval_ms() == 20);
  CHECK(c.journal().commit_max_events() == 512);
  CHECK(c.uplink().mqtt_version() == "5");
  CHECK(c.uplink().topic_prefix() == "cityedge");
  CHECK(c.uplink().keepalive_ms() == 30000);
  CHECK(c.uplink().max_batch_bytes() == 256 * 1024);
  CHECK(c.uplink().backoff_max_ms() == 60000);
  CHECK(c.control().max_command_bytes() == 64 * 1024);
  CHECK(c.health().interval_ms() == 60000);
  CHECK(c.health().metrics_listen().empty());
  CHECK(c.driver_dir() == "/usr/lib/cityedge/drivers");
  // A section without any default stays absent: no TLS unless configured.
  CHECK_FALSE(c.uplink().has_tls());
}

TEST_CASE("Given values override defaults; empty sections and lists are allowed") {
  const Loaded loaded = Load(std::string(kMinimal) +
                             "  keepalive: 5m\n"
                             "journal:\n"
                             "drivers:\n"
                             "logging: {level: debug}\n");
  INFO(FormatProblems(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.config.uplink().keepalive_ms() == 300000);
  CHECK(loaded.config.journal().max_bytes() == 512ULL << 20);
  CHECK(loaded.config.drivers_size() == 0);
  CHECK(loaded.config.logging().level() == "debug");
}

TEST_CASE("Driver entries get their own defaults and validated settings") {
  const Loaded loaded = Load(std::string(kMinimal) +
                             "drivers:\n"
                             "  - id: aq1\n"
                             "    type: replay\n"
                             "    settings: {path: /x.csv}\n");
  INFO(FormatProblems(loaded.problems));
  REQUIRE(loaded.ok());
  const v1::DriverInstance& d = loaded.config.drivers(0);
  CHECK(d.enabled());
  CHECK_FALSE(d.required());
  CHECK(d.publish());
  const Settings settings({d.settings().begin(), d.settings().end()});
  CHECK(settings.GetString("path") == "/x.csv");
  CHECK(settings.GetString("format") == "csv");
  CHECK(settings.GetInt("period") == 1000);
}

TEST_CASE("A file with several problems reports all of them at once, in order") {
  const Loaded loaded = Load(
      "gateway:\n"                      // 1
      "  id: Main Gate\n"               // 2
      "uplink:\n"                       // 3
      "  brokers: [tcp://b:1883, x]\n"  // 4
      "  keepalive: 10\n"               // 5
      "journal:\n"                      // 6
      "  max_bytes: lots\n"             // 7
      "  max_bytes: 1GiB\n"             // 8
      "drivers:\n"                      // 9
      "  - id: a\n"                     // 10
      "    type: replay\n"              // 11
      "  - id: a\n"                     // 12
      "    type: camera\n"              // 13
      "pipelines:\n"                    // 14
      "  - id: p\n"                     // 15
      "    type: aqi\n"                 // 16
      "    inputs: [b/pm10]\n");        // 17
  REQUIRE(loaded.problems.size() == 9);
  const auto at = [&](int i) { return loaded.problems[i].ToString(); };
  CHECK_THAT(at(0), Catch::StartsWith("test.yaml:2:7: gateway.id: expected an id"));
  CHECK_THAT(at(1), Catch::StartsWith("test.yaml:4:27: uplink.brokers[1]: expected a broker URI"));
  CHECK_THAT(at(2), Catch::StartsWith("test.yaml:5:14: uplink.keepalive: expected a duration"));
  CHECK_THAT(
      at(3),
      Catch::StartsWith(
          "test.yaml:7:14: journal.max_bytes: expected a size like \"512MiB\", got \"lots\""));
  CHECK_THAT(at(4), Catch::StartsWith(
                        "test.yaml:8:3: journal.max_bytes: duplicate key (first at line 7)"));
  CHECK_THAT(at(5), Catch::StartsWith(
                        "test.yaml:10:5: drivers[0].settings: missing required setting \"path\""));
  CHECK_THAT(at(6), Catch::StartsWith("test.yaml:12:9: drivers[1].id: duplicate driver id \"a\""));
  CHECK_THAT(at(7), Catch::StartsWith("test.yaml:13:11: drivers[1].type: unknown driver type "
                                      "\"camera\"; known types: modbus, replay"));
  CHECK_THAT(at(8),
             Catch::StartsWith("test.yaml:17:14: pipelines[0].inputs[0]: \"b/pm10\" names driver "
                               "instance \"b\", which is not configured; configured: a"));
}

TEST_CASE("The hash is stable and follows the content, not the spelling") {
  const Loaded a = Load(std::string(kMinimal) + "journal: {max_bytes: 1GiB}\n");
  const Loaded b = Load(std::string(kMinimal) + "journal:\n  max_bytes: 1073741824  # same\n");
  const Loaded c = Load(std::string(kMinimal) + "journal: {max_bytes: 2GiB}\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a.hash == Load(std::string(kMinimal) + "journal: {max_bytes: 1GiB}\n").hash);
  CHECK(a.hash == b.hash);
  CHECK(a.hash != c.hash);
  CHECK(a.hash == ConfigHash(a.config));
  // Settings maps serialize sorted, whatever order the YAML lists them in.
  const std::string d1 =
      "drivers:\n  - id: d\n    type: replay\n    settings: {path: /p, loop: true}\n";
  const std::string d2 =
      "drivers:\n  - id: d\n    type: replay\n    settings: {loop: true, path: /p}\n";
  CHECK(Load(std::string(kMinimal) + d1).hash == Load(std::string(kMinimal) + d2).hash);
}

TEST_CASE("A loaded config survives a proto round trip") {
  const testing::FakeRegistry registry;
  const Loaded loaded = LoadConfigFile(SourceDir() + "/config/cityedged.example.yaml", registry);
  REQUIRE(loaded.ok());
  std::string bytes;
  REQUIRE(loaded.config.SerializeToString(&bytes));
  v1::Config parsed;
  REQUIRE(parsed.ParseFromString(bytes));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(parsed, loaded.config));
  CHECK(ConfigHash(parsed) == loaded.hash);
}

TEST_CASE("Unreadable files and empty files are reported") {
  const testing::FakeRegistry registry;
  const Loaded missing = LoadConfigFile("/nonexistent/cityedged.yaml", registry);
  REQUIRE(missing.problems.size() == 1);
  CHECK(missing.problems[0].ToString() ==
        "/nonexistent/cityedged.yaml: cannot read the file (does it exist, is it readable?)");
  const Loaded empty = Load("# nothing here\n");
  REQUIRE(empty.problems.size() == 2);
  CHECK(empty.problems[0].ToString() == "test.yaml: missing required section \"gateway\"");
  CHECK(empty.problems[1].ToString() == "test.yaml: missing required section \"uplink\"");
}

TEST_CASE("DescribeConfigSchema lists every key with type, default, range and unit") {
  const std::string table = DescribeConfigSchema();
  INFO(table);
  CHECK_THAT(table, Catch::StartsWith("| key | type | default | range | unit | description |\n"));
  CHECK_THAT(table, Catch::Contains("| gateway.id | id | (required) |  |  | Gateway id"));
  CHECK_THAT(table, Catch::Contains("| journal.max_bytes | size | 512MiB | >= 1MiB | bytes |"));
  CHECK_THAT(table, Catch::Contains("| uplink.keepalive | duration | 30s | 1s .. 1h | ms |"));
  CHECK_THAT(table, Catch::Contains("| uplink.brokers | list of uri | (required) |"));
  CHECK_THAT(table,
             Catch::Contains("| logging.level | one of: trace, debug, info, warn, error | info |"));
  CHECK_THAT(table, Catch::Contains("| drivers[] | list of mappings |"));
  CHECK_THAT(table, Catch::Contains("| drivers[].id | id | (required) |"));
  CHECK_THAT(table, Catch::Contains("| drivers[].settings | mapping |"));
  CHECK_THAT(table,
             Catch::Contains("| control.platform_keys[].public_key_file | string | (required) |"));
  CHECK_THAT(table, Catch::Contains("| uplink.tls.ca_file | string |"));
}

TEST_CASE("A one-line table loads with a warning that shows the mapping to write") {
  const Loaded loaded = Load(
      "gateway: {id: gw1}\n"
      "uplink: {brokers: [tcp://localhost:1883]}\n"
      "drivers:\n"
      "  - id: meter\n"
      "    type: modbus\n"
      "    settings:\n"
      "      registers:\n"
      "        - {channel: energy, addr: 0}\n"
      "        - \"channel=power addr=2 order=cdab\"\n");
  INFO(FormatProblems(loaded.problems));
  REQUIRE(loaded.ok());
  REQUIRE(loaded.warnings.size() == 1);
  CHECK(loaded.warnings[0].ToString() ==
        "test.yaml:9:11: drivers[0].settings.registers[1]: the one-line form is deprecated and "
        "will be removed; write the entry as a mapping: {channel: power, addr: 2, order: cdab}");
  std::ostringstream out;
  CHECK(ReportProblems(loaded, out) == 0);
  CHECK(out.str() == "warning: " + loaded.warnings[0].ToString() + "\n");
  const auto& registers = loaded.config.drivers(0).settings().at("registers").table_list_value();
  REQUIRE(registers.tables_size() == 2);
  CHECK(registers.tables(1).values().at("addr").int_value() == 2);
  CHECK(registers.tables(1).values().at("order").string_value() == "cdab");
  CHECK(registers.tables(1).values().at("scale").double_value() == 1.0);
}

}  // namespace
}  // namespace cityedge::config
