// SPDX-License-Identifier: Apache-2.0
// One look at the running daemon through the control socket: status, backlog,
// driver and pipeline rows, the Prometheus metrics and (optionally) the recent
// reading values. `cityedge top` takes one a second and `cityedge doctor`
// judges them, so both read the daemon the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/command.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::cli {

// One row of a list reply ("<id>.<column>" fields), in the daemon's order.
struct Row {
  std::string id;
  std::map<std::string, std::string> cells;
  [[nodiscard]] std::string Cell(const std::string& column) const {
    auto it = cells.find(column);
    return it == cells.end() ? "" : it->second;
  }
};

struct Snapshot {
  std::int64_t steady_ns = 0;  // when it was taken
  std::vector<std::pair<std::string, std::string>> status;
  std::map<std::string, std::string> backlog;
  std::vector<Row> drivers;
  std::vector<Row> pipelines;
  // "name" or "name{label="value",...}" exactly as the exposition writes it.
  std::map<std::string, double> metrics;
  std::vector<v1::ValueSeries> series;

  [[nodiscard]] std::string Status(const std::string& key) const;
  [[nodiscard]] std::string Backlog(const std::string& key) const;
  // A backlog field as a number, 0 when absent or not a number.
  [[nodiscard]] double BacklogNumber(const std::string& key) const;
  [[nodiscard]] std::optional<double> Metric(const std::string& key) const;
};

// Asks the daemon at `socket` for everything above (series only when
// `with_series`). Fails with the first request that fails: the daemon is down,
// refuses this user, or does not answer.
[[nodiscard]] Result<Snapshot> TakeSnapshot(const std::string& socket, int timeout_s,
                                            bool with_series);

// Rebuilds rows from "<id>.<column>" fields.
[[nodiscard]] std::vector<Row> ParseRows(const v1::CommandReply& reply);
// Sample lines of the Prometheus text format; comments and bad lines skipped.
[[nodiscard]] std::map<std::string, double> ParseMetrics(const std::string& text);

}  // namespace cityedge::cli
