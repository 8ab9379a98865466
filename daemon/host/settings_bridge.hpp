// SPDX-License-Identifier: Apache-2.0
// Translation between the daemon's settings tables (config::SettingsSchema,
// v1::SettingValue) and the driver ABI's C schema and canonical text values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cityedge/driver_abi.h"
#include "cityedge/v1/config.pb.h"
#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::host {

// Canonical text key/value pairs, in schema order, as on_create receives them.
using SettingTexts = std::vector<std::pair<std::string, std::string>>;

// Converts a driver's C schema, checking that it is well formed (keys present
// and unique, known types, enums with allowed values, descriptions).
[[nodiscard]] Result<config::SettingsSchema> ConvertSchema(const ce_driver_descriptor& descriptor);

// Checks `values` against `schema` (unknown keys, required keys, types, ranges,
// allowed values; every problem at once) and renders them as canonical text,
// with defaults filled in: durations in integer ms, sizes in integer bytes,
// bools "true"/"false", lists joined by '\n', a list of tables flattened into
// its count and "key[i].field" texts (see ce_driver_setting_value), each
// table's defaults filled in. Duration and size settings also
// accept their YAML text ("250ms", "64KiB").
[[nodiscard]] Result<SettingTexts> CanonicalSettings(
    const config::SettingsSchema& schema,
    const google::protobuf::Map<std::string, v1::SettingValue>& values);

}  // namespace cityedge::host
