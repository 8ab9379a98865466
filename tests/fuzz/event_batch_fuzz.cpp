// SPDX-License-Identifier: Apache-2.0
// Fuzzes what the cityedge CLI does with bytes from the daemon: decoding an
// EventBatch or CommandReply and printing every event and field as a line, a
// table and JSON. The printers must accept whatever decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/cli/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cityedge;
  v1::EventBatch batch;
  if (batch.ParseFromArray(data, static_cast<int>(size))) {
    for (const auto& event : batch.events()) {
      if (cli::EventLine(event).empty()) std::abort();
      (void)cli::Json(event);
    }
  }
  v1::CommandReply reply;
  if (reply.ParseFromArray(data, static_cast<int>(size))) {
    (void)cli::FieldsTable(reply);
    if (cli::RowsTable(reply, {"type", "state", "reason"}).empty()) std::abort();
    (void)cli::Json(reply);
    for (const auto& event : reply.events()) (void)cli::EventLine(event);
  }
  return 0;
}
