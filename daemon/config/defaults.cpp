// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/defaults.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "daemon/config/proto_fields.hpp"

namespace cityedge::config {
namespace {

namespace pb = google::protobuf;
using CppType = pb::FieldDescriptor::CppType;

bool IsZero(const pb::Message& message, const pb::FieldDescriptor* field) {
  const pb::Reflection* r = message.GetReflection();
  if (field->is_repeated()) return r->FieldSize(message, field) == 0;
  switch (field->cpp_type()) {
    case CppType::CPPTYPE_STRING:
      return r->GetString(message, field).empty();
    case CppType::CPPTYPE_BOOL:
      return !r->GetBool(message, field);
    case CppType::CPPTYPE_INT32:
      return r->GetInt32(message, field) == 0;
    case CppType::CPPTYPE_INT64:
      return r->GetInt64(message, field) == 0;
    case CppType::CPPTYPE_UINT32:
      return r->GetUInt32(message, field) == 0;
    case CppType::CPPTYPE_UINT64:
      return r->GetUInt64(message, field) == 0;
    case CppType::CPPTYPE_DOUBLE:
      return r->GetDouble(message, field) == 0;
    case CppType::CPPTYPE_FLOAT:
      return r->GetFloat(message, field) == 0;
    default:
      return false;
  }
}

}  // namespace

void FillDefaults(pb::Message* message) {
  const pb::Descriptor* descriptor = message->GetDescriptor();
  const pb::Reflection* r = message->GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    if (field->is_map()) continue;
    if (field->cpp_type() == CppType::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int j = 0; j < r->FieldSize(*message, field); ++j) {
          FillDefaults(r->MutableRepeatedMessage(message, field, j));
        }
        continue;
      }
      pb::Message* section = r->MutableMessage(message, field);
      FillDefaults(section);
      if (section->ByteSizeLong() == 0) r->ClearField(message, field);
      continue;
    }
    const SettingSpec spec = internal::SpecForField(field);
    if (spec.default_text.empty() || !IsZero(*message, field)) continue;
    auto value = internal::DefaultForField(field);
    if (!value) {
      // CheckConfigSchema (and its unit test) rules this out.
      spdlog::critical("config.proto: the default of {} is invalid: {}", field->full_name(),
                       value.error().message());
      std::abort();
    }
    if (field->is_repeated()) {
      for (const std::string& item : value->list_value().items()) {
        v1::SettingValue one;
        one.set_string_value(item);
        internal::StoreField(message, field, one);
      }
      continue;
    }
    internal::StoreField(message, field, *value);
  }
}

}  // namespace cityedge::config
