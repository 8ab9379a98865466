// SPDX-License-Identifier: Apache-2.0
// The daemon's defaults, from one place: the default_text of each field's
// (cityedge.v1.spec) option in config.proto. The loader fills missing keys
// from it; a config built in code (a test, a tool) goes through WithDefaults.
// Components read their config as given and carry no default of their own.
#pragma once

#include <google/protobuf/message.h>

#include "cityedge/v1/config.pb.h"

namespace cityedge::config {

// Gives every field of `message` (and of its sections, and of each element of
// its repeated sections) that holds the protobuf zero value - 0, "", false,
// an empty list - the default its annotation declares. A field without a
// default stays as it is, and a section that ends up empty stays unset (like
// uplink.tls). Driver and pipeline settings are not touched: their defaults
// belong to their plugin's schema and are filled when they are validated.
//
// proto3 cannot tell "left out" from "set to zero", so a config built in code
// that wants a zero where the default is not zero (commit_interval: 0s, say)
// sets it after this call. A loaded config is complete already and must not
// go through it again.
void FillDefaults(google::protobuf::Message* message);

template <typename M>
[[nodiscard]] M WithDefaults(M message) {
  FillDefaults(&message);
  return message;
}

}  // namespace cityedge::config
