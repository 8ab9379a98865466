// SPDX-License-Identifier: Apache-2.0
// Internal to cityedge_config: how a config.proto field is read, through its
// (cityedge.v1.spec) option and protobuf reflection.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <yaml-cpp/yaml.h>

#include "cityedge/v1/config.pb.h"
#include "cityedge/v1/options.pb.h"
#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::config::internal {

// The field's key in YAML: its name, except that a duration stored as
// `<name>_ms` is written `<name>: 30s` (the unit is in the value).
[[nodiscard]] std::string YamlKey(const google::protobuf::FieldDescriptor* field);
// The field a YAML key names, or nullptr.
[[nodiscard]] const google::protobuf::FieldDescriptor* FindFieldByYamlKey(
    const google::protobuf::Descriptor* descriptor, std::string_view key);

// The field's annotation as a SettingSpec, so fields and plugin settings share
// conversion, bounds and defaults. Unsigned fields get a lower bound of 0 and
// 32-bit fields their width as bounds when the annotation sets none.
[[nodiscard]] SettingSpec SpecForField(const google::protobuf::FieldDescriptor* field);

// ConvertSetting plus the TOPIC / IDENT / URI text rules of the field's kind.
[[nodiscard]] Result<v1::SettingValue> ConvertField(const google::protobuf::FieldDescriptor* field,
                                                    const YAML::Node& node);
[[nodiscard]] Result<v1::SettingValue> DefaultForField(
    const google::protobuf::FieldDescriptor* field);

// Sets (or, for a repeated field, appends) a converted value.
void StoreField(google::protobuf::Message* message, const google::protobuf::FieldDescriptor* field,
                const v1::SettingValue& value);

// False for protobuf types the loader does not map (enums, bytes).
[[nodiscard]] bool IsSupportedField(const google::protobuf::FieldDescriptor* field);

}  // namespace cityedge::config::internal
