// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/proto_fields.hpp"

#include <limits>

#include "daemon/config/values.hpp"
#include "daemon/config/yaml_support.hpp"

namespace cityedge::config::internal {
namespace {

namespace pb = google::protobuf;
using CppType = pb::FieldDescriptor::CppType;

SettingType TypeOf(const pb::FieldDescriptor* field, const v1::FieldSpec& spec) {
  if (spec.kind() == v1::VALUE_KIND_SIZE) return SettingType::kSize;
  if (spec.kind() == v1::VALUE_KIND_DURATION) return SettingType::kDuration;
  switch (field->cpp_type()) {
    case CppType::CPPTYPE_BOOL:
      return SettingType::kBool;
    case CppType::CPPTYPE_DOUBLE:
    case CppType::CPPTYPE_FLOAT:
      return SettingType::kDouble;
    case CppType::CPPTYPE_INT32:
    case CppType::CPPTYPE_INT64:
    case CppType::CPPTYPE_UINT32:
    case CppType::CPPTYPE_UINT64:
      return SettingType::kInt;
    default:
      return spec.allowed_size() > 0 ? SettingType::kEnum : SettingType::kString;
  }
}

// Protobuf's width of the field, applied when the annotation is silent.
void WidthBounds(const pb::FieldDescriptor* field, SettingSpec& spec) {
  switch (field->cpp_type()) {
    case CppType::CPPTYPE_UINT32:
      if (!spec.max) spec.max = std::numeric_limits<std::uint32_t>::max();
      [[fallthrough]];
    case CppType::CPPTYPE_UINT64:
      if (!spec.min) spec.min = 0;
      break;
    case CppType::CPPTYPE_INT32:
      if (!spec.min) spec.min = std::numeric_limits<std::int32_t>::min();
      if (!spec.max) spec.max = std::numeric_limits<std::int32_t>::max();
      break;
    default:
      break;
  }
}

Status CheckKind(v1::ValueKind kind, const std::string& text) {
  switch (kind) {
    case v1::VALUE_KIND_TOPIC:
      return CheckTopic(text);
    case v1::VALUE_KIND_IDENT:
      return CheckIdent(text);
    case v1::VALUE_KIND_URI:
      return CheckUri(text);
    default:
      return OkStatus();
  }
}

Result<v1::SettingValue> WithKindCheck(const pb::FieldDescriptor* field,
                                       Result<v1::SettingValue> value) {
  if (!value || !value->has_string_value()) return value;
  const auto kind = field->options().GetExtension(v1::spec).kind();
  if (auto status = CheckKind(kind, value->string_value()); !status) {
    return std::unexpected(status.error());
  }
  return value;
}

}  // namespace

std::string YamlKey(const pb::FieldDescriptor* field) {
  constexpr std::string_view kMillis = "_ms";
  const std::string& name = field->name();
  const bool duration = field->options().GetExtension(v1::spec).kind() == v1::VALUE_KIND_DURATION;
  if (duration && name.size() > kMillis.size() && name.ends_with(kMillis)) {
    return name.substr(0, name.size() - kMillis.size());
  }
  return name;
}

const pb::FieldDescriptor* FindFieldByYamlKey(const pb::Descriptor* descriptor,
                                              std::string_view key) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (YamlKey(descriptor->field(i)) == key) return descriptor->field(i);
  }
  return nullptr;
}

SettingSpec SpecForField(const pb::FieldDescriptor* field) {
  const v1::FieldSpec& annotation = field->options().GetExtension(v1::spec);
  SettingSpec spec;
  spec.key = YamlKey(field);
  spec.type = TypeOf(field, annotation);
  spec.default_text = annotation.default_text();
  spec.required = annotation.required();
  // options.proto: a bound of 0 means "not set" (proto3 has no presence here).
  if (annotation.min() != 0) spec.min = annotation.min();
  if (annotation.max() != 0) spec.max = annotation.max();
  spec.allowed.assign(annotation.allowed().begin(), annotation.allowed().end());
  spec.unit = annotation.unit();
  spec.description = annotation.description();
  WidthBounds(field, spec);
  return spec;
}

Result<v1::SettingValue> ConvertField(const pb::FieldDescriptor* field, const YAML::Node& node) {
  return WithKindCheck(field, ConvertSetting(SpecForField(field), node));
}

Result<v1::SettingValue> DefaultForField(const pb::FieldDescriptor* field) {
  return WithKindCheck(field, ParseDefault(SpecForField(field)));
}

bool IsSupportedField(const pb::FieldDescriptor* field) {
  if (field->is_map()) return true;
  const CppType type = field->cpp_type();
  if (type == CppType::CPPTYPE_ENUM) return false;
  return field->type() != pb::FieldDescriptor::TYPE_BYTES;
}

void StoreField(pb::Message* message, const pb::FieldDescriptor* field,
                const v1::SettingValue& value) {
  const pb::Reflection* r = message->GetReflection();
  const bool add = field->is_repeated();
  const std::int64_t i = value.int_value();
  switch (field->cpp_type()) {
    case CppType::CPPTYPE_STRING:
      add ? r->AddString(message, field, value.string_value())
          : r->SetString(message, field, value.string_value());
      break;
    case CppType::CPPTYPE_BOOL:
      add ? r->AddBool(message, field, value.bool_value())
          : r->SetBool(message, field, value.bool_value());
      break;
    case CppType::CPPTYPE_DOUBLE:
      add ? r->AddDouble(message, field, value.double_value())
          : r->SetDouble(message, field, value.double_value());
      break;
    case CppType::CPPTYPE_FLOAT: {
      const auto f = static_cast<float>(value.double_value());
      add ? r->AddFloat(message, field, f) : r->SetFloat(message, field, f);
      break;
    }
    case CppType::CPPTYPE_UINT64:
      add ? r->AddUInt64(message, field, i) : r->SetUInt64(message, field, i);
      break;
    case CppType::CPPTYPE_UINT32:
      add ? r->AddUInt32(message, field, i) : r->SetUInt32(message, field, i);
      break;
    case CppType::CPPTYPE_INT64:
      add ? r->AddInt64(message, field, i) : r->SetInt64(message, field, i);
      break;
    case CppType::CPPTYPE_INT32:
      add ? r->AddInt32(message, field, i) : r->SetInt32(message, field, i);
      break;
    default:
      break;  // IsSupportedField excludes the rest; CheckConfigSchema reports them.
  }
}

}  // namespace cityedge::config::internal
