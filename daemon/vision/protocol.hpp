// SPDX-License-Identifier: Apache-2.0
// The core <-> vision worker channel (proto/cityedge/internal/vision_worker.proto):
// length-prefixed protobuf messages over one end of a socket pair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "cityedge/internal/vision_worker.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::vision {

// Bumped whenever a message changes meaning; both ends ship in one build, so
// the core refuses a worker that answers with another version.
inline constexpr std::uint32_t kProtocolVersion = 1;
// Largest message either side accepts: a snapshot JPEG or a fever alert's
// evidence image fits with room to spare; a config with many instances too.
inline constexpr std::size_t kMaxMessageBytes = 16u << 20;
// The worker's end of the socket pair in the worker process.
inline constexpr int kWorkerFd = 3;

// One end of the channel. Sends may come from several threads (each message
// goes out whole); receives from one thread only.
// OWNERSHIP: borrows `fd`; the owner closes it after the channel's last use.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] Status Send(const google::protobuf::Message& message);
  // Blocks for the next message. kNotFound: the peer closed cleanly;
  // kInvalidArgument: bytes that do not parse; else as ReadFrame.
  [[nodiscard]] Status Receive(google::protobuf::Message* message);

 private:
  int fd_;
  std::mutex send_mu_;
};

}  // namespace cityedge::vision
