// SPDX-License-Identifier: Apache-2.0
#include "pipelines/zones.hpp"

#include <string>
#include <utility>

#include "daemon/config/values.hpp"
#include "pipelines/framework.hpp"

namespace cityedge::pipelines {
namespace {

using config::LineTable;
using config::LineValue;
using config::Quote;
using config::SettingType;

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

LineValue Word(std::string_view text) { return LineValue{.word = std::string(text)}; }

LineValue List(std::vector<LineValue> items) {
  return LineValue{.word = {}, .items = std::move(items), .is_list = true};
}

struct NamedPoints {
  std::string name;
  std::vector<LineValue> points;  // each [x, y], words as written
};

// "name: x,y x,y ...": the name and the points; whether the words are
// numbers is for the validator to say.
Result<NamedPoints> ReadNamedPoints(std::string_view line) {
  const auto colon = line.find(':');
  const std::string_view name = colon == std::string_view::npos ? "" : Trim(line.substr(0, colon));
  if (name.empty()) {
    return MakeError(Code::kInvalidArgument, "{} is not \"name: x,y x,y ...\"", Quote(line));
  }
  NamedPoints named{std::string(name), {}};
  std::string_view rest = line.substr(colon + 1);
  while (!(rest = Trim(rest)).empty()) {
    const std::string_view word = rest.substr(0, rest.find_first_of(" \t"));
    rest.remove_prefix(word.size());
    const auto comma = word.find(',');
    if (comma == std::string_view::npos || word.find(',', comma + 1) != std::string_view::npos) {
      return MakeError(Code::kInvalidArgument, "point {} is not x,y", Quote(word));
    }
    named.points.push_back(List({Word(word.substr(0, comma)), Word(word.substr(comma + 1))}));
  }
  return named;
}

}  // namespace

config::SettingSpec FramePoint() { return ListItem(NumberItem(0, 1), 2); }

std::vector<config::SettingSpec> ZoneFields() {
  return {
      Setting("name", SettingType::kString, "Zone name, as events report it").Required().Unique(),
      Setting("polygon", SettingType::kList,
              "Corners [x, y] in order, in 0..1 frame coordinates (top-left is [0, 0])")
          .Required()
          .Item(FramePoint())
          .Min(3),
  };
}

std::vector<config::SettingSpec> CountingLineFields() {
  return {
      Setting("name", SettingType::kString, "Line name, as events report it").Required().Unique(),
      Setting("from", SettingType::kList,
              "Start [x, y] in 0..1 frame coordinates; looking from `from` to `to`, a crossing "
              "from left to right is in, right to left out")
          .Required()
          .Item(NumberItem(0, 1))
          .Min(2)
          .Max(2),
      Setting("to", SettingType::kList, "End [x, y] in 0..1 frame coordinates")
          .Required()
          .Item(NumberItem(0, 1))
          .Min(2)
          .Max(2),
  };
}

Result<LineTable> ReadZoneLine(std::string_view line) {
  Result<NamedPoints> named = ReadNamedPoints(line);
  if (!named) return std::unexpected(named.error());
  return LineTable{{"name", Word(named->name)}, {"polygon", List(std::move(named->points))}};
}

Result<LineTable> ReadCountingLine(std::string_view line) {
  Result<NamedPoints> named = ReadNamedPoints(line);
  if (!named) return std::unexpected(named.error());
  if (named->points.size() != 2) {
    return MakeError(Code::kInvalidArgument, "a line is two points, \"name: x1,y1 x2,y2\"; got {}",
                     named->points.size());
  }
  return LineTable{
      {"name", Word(named->name)}, {"from", named->points[0]}, {"to", named->points[1]}};
}

}  // namespace cityedge::pipelines
