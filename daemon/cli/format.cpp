// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/format.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "daemon/core/event_sink.hpp"

namespace cityedge::cli {
namespace {

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string UtcTime(std::int64_t unix_ns) {
  const std::time_t seconds = unix_ns / 1'000'000'000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unix_ns / 1'000'000) % 1000);
}

std::string Body(const v1::Event& event) {
  if (event.has_reading()) {
    const auto& r = event.reading();
    std::string text = fmt::format("{}={} {}", r.channel(), r.value(), r.unit());
    if (r.quality() != v1::QUALITY_GOOD) text += " (" + v1::Quality_Name(r.quality()) + ")";
    return text;
  }
  const auto* field = event.GetDescriptor()->FindFieldByNumber(static_cast<int>(event.body_case()));
  if (field == nullptr) return "(no body)";
  const auto& body = event.GetReflection()->GetMessage(event, field);
  return fmt::format("{} {{{}}}", field->name(), body.ShortDebugString());
}

}  // namespace

std::string FieldsTable(const v1::CommandReply& reply) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& kv : reply.fields()) rows.push_back({kv.key(), kv.value()});
  return Table(rows);
}

std::string RowsTable(const v1::CommandReply& reply, const std::vector<std::string>& columns) {
  std::vector<std::string> order;
  std::map<std::string, std::map<std::string, std::string>> cells;
  for (const auto& kv : reply.fields()) {
    const auto dot = kv.key().rfind('.');
    if (dot == std::string::npos) continue;
    const std::string id = kv.key().substr(0, dot);
    if (!cells.contains(id)) order.push_back(id);
    cells[id][kv.key().substr(dot + 1)] = kv.value();
  }
  if (order.empty()) return "(none)\n";
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"ID"};
  for (const auto& c : columns) {
    std::string upper = c;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    header.push_back(upper);
  }
  rows.push_back(header);
  for (const auto& id : order) {
    std::vector<std::string> row = {id};
    for (const auto& c : columns) row.push_back(cells[id][c]);
    rows.push_back(row);
  }
  return Table(rows);
}

std::string EventLine(const v1::Event& event) {
  return fmt::format("{:>8}  {}  {:<9}  {:<20}  {}", event.seq(),
                     UtcTime(event.capture_time().wall_unix_ns()),
                     PriorityTopicClass(event.priority()), event.source(), Body(event));
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace cityedge::cli
