// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/instances.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "daemon/cli/client.hpp"

namespace cityedge::cli {

std::vector<std::string> DriverInstances(const std::string& socket, int timeout_s) {
  std::vector<std::string> ids;
  auto client = Client::Connect(socket, timeout_s);
  if (!client) return ids;
  v1::Command command;
  command.set_id(fmt::format("cli-complete-{}", ::getpid()));
  command.mutable_drivers();
  if (!client->Send(command)) return ids;
  auto reply = client->Receive();
  if (!reply || reply->code() != v1::REPLY_CODE_OK) return ids;
  // Rows come flattened as "<id>.<column>" (RowsTable reads them the same way).
  for (const auto& kv : reply->fields()) {
    const auto dot = kv.key().rfind('.');
    if (dot == std::string::npos) continue;
    std::string id = kv.key().substr(0, dot);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace cityedge::cli
