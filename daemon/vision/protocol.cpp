// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/protocol.hpp"

#include <string>

#include "daemon/core/frame_io.hpp"

namespace cityedge::vision {

Status Channel::Send(const google::protobuf::Message& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return MakeError(Code::kInternal, "cannot serialise {}", message.GetTypeName());
  }
  if (bytes.size() > kMaxMessageBytes) {
    return MakeError(Code::kResourceExhausted, "{} of {} bytes is above the channel's {} bytes",
                     message.GetTypeName(), bytes.size(), kMaxMessageBytes);
  }
  std::lock_guard lock(send_mu_);
  return WriteFrame(fd_, bytes);
}

Status Channel::Receive(google::protobuf::Message* message) {
  std::string bytes;
  if (auto s = ReadFrame(fd_, kMaxMessageBytes, &bytes); !s) return s;
  if (!message->ParseFromString(bytes)) {
    return MakeError(Code::kInvalidArgument, "{} bytes that are not a {}", bytes.size(),
                     message->GetTypeName());
  }
  return OkStatus();
}

}  // namespace cityedge::vision
