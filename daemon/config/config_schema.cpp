// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "daemon/config/loader.hpp"
#include "daemon/config/proto_fields.hpp"
#include "daemon/config/yaml_support.hpp"

namespace cityedge::config {
namespace {

namespace pb = google::protobuf;

struct Row {
  std::string key;
  std::string type;
  std::string default_text;
  std::string range;
  std::string unit;
  std::string description;
};

std::string KindName(const pb::FieldDescriptor* field, const SettingSpec& spec) {
  switch (field->options().GetExtension(v1::spec).kind()) {
    case v1::VALUE_KIND_TOPIC:
      return "topic";
    case v1::VALUE_KIND_IDENT:
      return "id";
    case v1::VALUE_KIND_URI:
      return "uri";
    default:
      break;
  }
  if (!spec.allowed.empty()) return "one of: " + internal::Join(spec.allowed, ", ");
  return std::string(SettingTypeName(spec.type));
}

// Only the bounds the annotation states, not protobuf's width.
std::string RangeText(const pb::FieldDescriptor* field, SettingType type) {
  const v1::FieldSpec& annotation = field->options().GetExtension(v1::spec);
  const auto bound = [&](double v) { return internal::FormatBound(type, v); };
  if (annotation.min() != 0 && annotation.max() != 0) {
    return fmt::format("{} .. {}", bound(annotation.min()), bound(annotation.max()));
  }
  if (annotation.min() != 0) return ">= " + bound(annotation.min());
  if (annotation.max() != 0) return "<= " + bound(annotation.max());
  return {};
}

Row ValueRow(const pb::FieldDescriptor* field, const std::string& path) {
  const SettingSpec spec = internal::SpecForField(field);
  std::string type = KindName(field, spec);
  if (field->is_repeated()) type = "list of " + type;
  return {path,
          type,
          spec.required ? "(required)" : spec.default_text,
          RangeText(field, spec.type),
          spec.unit,
          spec.description};
}

void CollectRows(const pb::Descriptor* descriptor, const std::string& prefix,
                 std::vector<Row>& rows) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    const std::string path = internal::KeyPath(prefix, internal::YamlKey(field));
    if (field->is_map()) {
      rows.push_back({path, "mapping", "", "", "",
                      "Settings of the instance's type (cityedged --describe TYPE)"});
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      const bool list = field->is_repeated();
      const SettingSpec spec = internal::SpecForField(field);
      rows.push_back({list ? path + "[]" : path, list ? "list of mappings" : "section",
                      spec.required ? "(required)" : "", "", "", spec.description});
      CollectRows(field->message_type(), list ? path + "[]" : path, rows);
    } else {
      rows.push_back(ValueRow(field, path));
    }
  }
}

std::string Cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

void CheckFields(const pb::Descriptor* descriptor, const std::string& prefix,
                 std::vector<std::string>& mistakes) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    const std::string path = internal::KeyPath(prefix, internal::YamlKey(field));
    const auto add = [&](std::string what) { mistakes.push_back(path + ": " + what); };
    if (!internal::IsSupportedField(field)) add("field type not supported by the loader");
    if (field->is_map()) continue;
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      CheckFields(field->message_type(), path, mistakes);
      continue;
    }
    const SettingSpec spec = internal::SpecForField(field);
    if (spec.required && !spec.default_text.empty()) add("required and has a default");
    if (spec.description.empty()) add("no description");
    if (spec.min && spec.max && *spec.min > *spec.max) add("min is above max");
    if (spec.default_text.empty()) continue;
    if (auto value = internal::DefaultForField(field); !value) {
      add("default: " + value.error().message());
    }
  }
}

}  // namespace

std::string DescribeConfigSchema() {
  std::vector<Row> rows;
  CollectRows(v1::Config::descriptor(), "", rows);
  std::string out = "| key | type | default | range | unit | description |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const Row& row : rows) {
    out +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", Cell(row.key), Cell(row.type),
                    Cell(row.default_text), Cell(row.range), Cell(row.unit), Cell(row.description));
  }
  return out;
}

std::vector<std::string> CheckConfigSchema() {
  std::vector<std::string> mistakes;
  CheckFields(v1::Config::descriptor(), "", mistakes);
  return mistakes;
}

}  // namespace cityedge::config
