// SPDX-License-Identifier: Apache-2.0
// The zones and counting lines every vision pipeline declares
// (pipelines/zones.hpp): their tables as the daemon validates them, and the
// readers of their one-line form. No OpenCV.
#include <catch2/catch.hpp>

#include <string>

#include "daemon/config/settings_validation.hpp"
#include "pipelines/framework.hpp"
#include "pipelines/zones.hpp"

namespace cityedge::pipelines {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("zones", SettingType::kTableList, "Zones")
          .Fields(ZoneFields())
          .AcceptsLines(ReadZoneLine),
      Setting("lines", SettingType::kTableList, "Lines")
          .Fields(CountingLineFields())
          .AcceptsLines(ReadCountingLine),
  };
}

// A LineTable as "key=value" words, lists in brackets.
std::string Text(const config::LineValue& value) {
  if (!value.is_list) return value.word;
  std::string out = "[";
  for (const config::LineValue& item : value.items) {
    out += (out.size() > 1 ? " " : "") + Text(item);
  }
  return out + "]";
}

std::string Text(const Result<config::LineTable>& table) {
  if (!table) return "error: " + table.error().message();
  std::string out;
  for (const auto& [key, value] : *table) out += (out.empty() ? "" : " ") + key + "=" + Text(value);
  return out;
}

TEST_CASE("The one-line forms are read as the fields they spell, words as written") {
  CHECK(Text(ReadZoneLine("gate_queue: 0.30,0.55  0.70,0.55 0.75,0.95")) ==
        "name=gate_queue polygon=[[0.30 0.55] [0.70 0.55] [0.75 0.95]]");
  CHECK(Text(ReadZoneLine(" queue one :0,0 1,0 1,1x")) ==
        "name=queue one polygon=[[0 0] [1 0] [1 1x]]");
  CHECK(Text(ReadCountingLine("gates: 0.20,0.60 0.80,0.60")) ==
        "name=gates from=[0.20 0.60] to=[0.80 0.60]");
  CHECK(Text(ReadZoneLine("0,0 1,0 1,1")) == "error: \"0,0 1,0 1,1\" is not \"name: x,y x,y ...\"");
  CHECK(Text(ReadZoneLine(": 0,0 1,0 1,1")) ==
        "error: \": 0,0 1,0 1,1\" is not \"name: x,y x,y ...\"");
  CHECK(Text(ReadZoneLine("z: 0,0 1;0 1,1")) == "error: point \"1;0\" is not x,y");
  CHECK(Text(ReadZoneLine("z: 0,0,1 1,0")) == "error: point \"0,0,1\" is not x,y");
  CHECK(Text(ReadCountingLine("door: 0.5,0")) ==
        "error: a line is two points, \"name: x1,y1 x2,y2\"; got 1");
}

TEST_CASE("Zones and lines as tables are validated with their key paths") {
  std::vector<config::Problem> warnings;
  const auto good = config::ValidateSettingsText(
      Schema(),
      "zones:\n"
      "  - {name: queue, polygon: [[0.3, 0.55], [0.7, 0.55], [0.75, 0.95]]}\n"
      "lines:\n"
      "  - {name: gates, from: [0.2, 0.6], to: [0.8, 0.6]}\n",
      "p.yaml", &warnings);
  INFO((good ? "" : config::FormatProblems(good.error())));
  REQUIRE(good.has_value());
  CHECK(warnings.empty());
  const auto line = good->GetTables("lines").at(0);
  CHECK(line.GetString("name") == "gates");
  CHECK(line.GetNumbers("from") == std::vector<double>{0.2, 0.6});
  CHECK(line.GetNumbers("to") == std::vector<double>{0.8, 0.6});

  const auto bad = config::ValidateSettingsText(Schema(),
                                                "zones:\n"
                                                "  - {name: q, polygon: [[0.3, 0.55], [0.7]]}\n"
                                                "  - \"r: 0,0 1,0 1,-1\"\n"
                                                "lines:\n"
                                                "  - {name: g, from: [0.2, 0.6], to: 0.8}\n"
                                                "  - {name: g, from: [0.2, 0.6], to: [1, 2]}\n",
                                                "p.yaml");
  REQUIRE_FALSE(bad.has_value());
  const std::string text = config::FormatProblems(bad.error());
  INFO(text);
  CHECK_THAT(text, Catch::Contains("p.yaml:2:24: settings.zones[0].polygon: must have at least 3 "
                                   "items, got 2"));
  CHECK_THAT(text, Catch::Contains("p.yaml:2:38: settings.zones[0].polygon[1]: must have exactly "
                                   "2 items, got 1"));
  CHECK_THAT(text, Catch::Contains("p.yaml:3:5: settings.zones[1].polygon[2][1]: must be between 0 "
                                   "and 1, got -1"));
  CHECK_THAT(text, Catch::Contains("p.yaml:5:37: settings.lines[0].to: expected [number, number], "
                                   "got a value"));
  CHECK_THAT(text, Catch::Contains("p.yaml:6:41: settings.lines[1].to[1]: must be between 0 and 1, "
                                   "got 2"));
  // A repeated name is found even where the tables have other problems.
  CHECK_THAT(text, Catch::Contains("p.yaml:6:12: settings.lines[1].name: \"g\" is already "
                                   "settings.lines[0].name; each table needs its own name"));
  CHECK(bad.error().size() == 6);
}

}  // namespace
}  // namespace cityedge::pipelines
