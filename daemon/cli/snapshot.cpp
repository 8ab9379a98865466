// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/snapshot.hpp"

#include <chrono>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "daemon/cli/client.hpp"

namespace cityedge::cli {
namespace {

Result<v1::CommandReply> AskOk(const std::string& socket, int timeout_s, v1::Command command) {
  command.set_id(fmt::format("snapshot-{}", command.op_case()));
  auto reply = Ask(socket, timeout_s, command);
  if (!reply) return reply;
  if (reply->code() != v1::REPLY_CODE_OK) {
    return MakeError(reply->code() == v1::REPLY_CODE_PERMISSION_DENIED ? Code::kPermissionDenied
                                                                       : Code::kUnavailable,
                     "{}", reply->message());
  }
  return reply;
}

}  // namespace

std::string Snapshot::Status(const std::string& key) const {
  for (const auto& [k, v] : status) {
    if (k == key) return v;
  }
  return "";
}

std::string Snapshot::Backlog(const std::string& key) const {
  auto it = backlog.find(key);
  return it == backlog.end() ? "" : it->second;
}

double Snapshot::BacklogNumber(const std::string& key) const {
  const std::string text = Backlog(key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? 0 : value;
}

std::optional<double> Snapshot::Metric(const std::string& key) const {
  auto it = metrics.find(key);
  if (it == metrics.end()) return std::nullopt;
  return it->second;
}

std::vector<Row> ParseRows(const v1::CommandReply& reply) {
  std::vector<Row> rows;
  std::map<std::string, std::size_t> index;
  for (const auto& kv : reply.fields()) {
    const auto dot = kv.key().rfind('.');
    if (dot == std::string::npos) continue;
    const std::string id = kv.key().substr(0, dot);
    auto [it, added] = index.emplace(id, rows.size());
    if (added) rows.push_back(Row{id, {}});
    rows[it->second].cells[kv.key().substr(dot + 1)] = kv.value();
  }
  return rows;
}

std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    // The value follows the last space; label values may hold spaces.
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string number = line.substr(space + 1);
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end == number.c_str()) continue;
    out[line.substr(0, space)] = value;
  }
  return out;
}

Result<Snapshot> TakeSnapshot(const std::string& socket, int timeout_s, bool with_series) {
  Snapshot snap;
  snap.steady_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  v1::Command command;
  command.mutable_status();
  auto status = AskOk(socket, timeout_s, command);
  if (!status) return std::unexpected(status.error());
  for (const auto& kv : status->fields()) snap.status.emplace_back(kv.key(), kv.value());

  command.mutable_backlog();
  auto backlog = AskOk(socket, timeout_s, command);
  if (!backlog) return std::unexpected(backlog.error());
  for (const auto& kv : backlog->fields()) snap.backlog[kv.key()] = kv.value();

  command.mutable_drivers();
  auto drivers = AskOk(socket, timeout_s, command);
  if (!drivers) return std::unexpected(drivers.error());
  snap.drivers = ParseRows(*drivers);

  command.mutable_pipelines();
  auto pipelines = AskOk(socket, timeout_s, command);
  if (!pipelines) return std::unexpected(pipelines.error());
  snap.pipelines = ParseRows(*pipelines);

  // Metrics and recent values are optional: a daemon without them still shows.
  command.mutable_metrics();
  if (auto metrics = AskOk(socket, timeout_s, command))
    snap.metrics = ParseMetrics(metrics->text());
  if (with_series) {
    command.mutable_recent_values()->set_seconds(60);
    if (auto recent = AskOk(socket, timeout_s, command)) {
      snap.series.assign(recent->series().begin(), recent->series().end());
    }
  }
  return snap;
}

}  // namespace cityedge::cli
