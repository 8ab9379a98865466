// SPDX-License-Identifier: Apache-2.0
// How the CLI shows replies: aligned tables for people, JSON (protobuf's
// canonical JSON mapping of CommandReply and Event) for scripts.
#pragma once

#include <string>
#include <vector>

#include "cityedge/v1/command.pb.h"
#include "cityedge/v1/event.pb.h"

namespace cityedge::cli {

// "key  value" lines, keys padded to one column.
[[nodiscard]] std::string FieldsTable(const v1::CommandReply& reply);
// Rows flattened by the daemon as "<id>.<column>" fields, rebuilt into a
// table with an ID column and then `columns` in order.
[[nodiscard]] std::string RowsTable(const v1::CommandReply& reply,
                                    const std::vector<std::string>& columns);
// One line per event: seq, capture time (UTC), class, source, body.
[[nodiscard]] std::string EventLine(const v1::Event& event);
// Canonical protobuf JSON on one line.
[[nodiscard]] std::string Json(const google::protobuf::Message& message);

}  // namespace cityedge::cli
