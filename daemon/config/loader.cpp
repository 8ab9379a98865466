// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/loader.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "daemon/config/proto_fields.hpp"
#include "daemon/config/values.hpp"
#include "daemon/config/yaml_support.hpp"
#include "daemon/crypto/crypto.hpp"

namespace cityedge::config {
namespace {

namespace pb = google::protobuf;
using internal::Entry;
using internal::IndexPath;
using internal::KeyPath;
using internal::MarkOr;
using internal::ProblemList;

// What the cross-checks need to know about one driver or pipeline entry.
struct InstanceRecord {
  std::string id;
  YAML::Mark id_mark;
  std::string path;
  struct Input {
    std::string text;
    YAML::Mark mark;
    std::string path;
  };
  std::vector<Input> inputs;
};

const Entry* FindEntry(const std::vector<Entry>& entries, std::string_view key) {
  for (const Entry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::vector<std::string> FieldNames(const pb::Descriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i)
    names.push_back(internal::YamlKey(descriptor->field(i)));
  return names;
}

bool IsSection(const pb::FieldDescriptor* field) {
  return field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !field->is_map();
}

class ConfigWalker {
 public:
  ConfigWalker(ProblemList& problems, const SchemaRegistry& registry)
      : problems_(problems), registry_(registry) {}

  void Walk(const YAML::Node& root, v1::Config* config);

 private:
  void WalkMessage(const YAML::Node& node, const YAML::Mark& owner_mark, const std::string& path,
                   pb::Message* message);
  void WalkField(const Entry& entry, const std::string& path, pb::Message* message,
                 const pb::FieldDescriptor* field);
  void WalkList(const Entry& entry, const std::string& path, pb::Message* message,
                const pb::FieldDescriptor* field);
  void ConvertAndStore(const YAML::Node& node, const YAML::Mark& fallback, const std::string& path,
                       pb::Message* message, const pb::FieldDescriptor* field);
  void FillMissing(const std::set<int>& seen, const YAML::Mark& owner_mark, const std::string& path,
                   pb::Message* message);
  void WalkInstance(const std::vector<Entry>& entries, const YAML::Mark& owner_mark,
                    const std::string& path, pb::Message* message);
  void CheckUniqueIds(const std::vector<InstanceRecord>& records, std::string_view what);
  void CheckInputs();
  void CheckBackoff(const v1::UplinkConfig& uplink);
  void CheckUplinkTls(const v1::UplinkConfig& uplink);
  void AddAt(const std::string& path, std::string message);

  ProblemList& problems_;
  const SchemaRegistry& registry_;
  std::vector<InstanceRecord> drivers_;
  std::vector<InstanceRecord> pipelines_;
  std::map<std::string, YAML::Mark, std::less<>> marks_;  // where each scalar value was written
};

void ConfigWalker::Walk(const YAML::Node& root, v1::Config* config) {
  if (!root.IsNull() && !root.IsMap()) {
    problems_.Add(root.Mark(), "",
                  fmt::format("expected a mapping of sections (gateway, uplink, ...), got {}",
                              internal::NodeKindName(root)));
    return;
  }
  WalkMessage(root, MarkOr(root, YAML::Mark::null_mark()), "", config);
  CheckUniqueIds(drivers_, "driver");
  CheckUniqueIds(pipelines_, "pipeline");
  CheckInputs();
  CheckBackoff(config->uplink());
  CheckUplinkTls(config->uplink());
}

void ConfigWalker::WalkMessage(const YAML::Node& node, const YAML::Mark& owner_mark,
                               const std::string& path, pb::Message* message) {
  if (!node.IsNull() && !node.IsMap()) {
    problems_.Add(MarkOr(node, owner_mark), path,
                  fmt::format("expected a mapping, got {}", internal::NodeKindName(node)));
    return;
  }
  const pb::Descriptor* descriptor = message->GetDescriptor();
  const std::vector<Entry> entries = internal::MapEntries(node, path, problems_);
  std::set<int> seen;
  for (const Entry& entry : entries) {
    const pb::FieldDescriptor* field = internal::FindFieldByYamlKey(descriptor, entry.key);
    const std::string key_path = KeyPath(path, entry.key);
    if (field == nullptr) {
      problems_.Add(entry.key_mark, key_path,
                    internal::UnknownKeyMessage(entry.key, FieldNames(descriptor)));
      continue;
    }
    seen.insert(field->number());
    WalkField(entry, key_path, message, field);
  }
  FillMissing(seen, owner_mark, path, message);
  if (descriptor == v1::DriverInstance::descriptor() ||
      descriptor == v1::PipelineInstance::descriptor()) {
    WalkInstance(entries, owner_mark, path, message);
  }
}

void ConfigWalker::WalkField(const Entry& entry, const std::string& path, pb::Message* message,
                             const pb::FieldDescriptor* field) {
  if (field->is_map()) return;  // `settings:`, validated by WalkInstance once `type` is known
  if (field->is_repeated()) return WalkList(entry, path, message, field);
  if (IsSection(field)) {
    pb::Message* section = message->GetReflection()->MutableMessage(message, field);
    return WalkMessage(entry.value, entry.key_mark, path, section);
  }
  ConvertAndStore(entry.value, entry.key_mark, path, message, field);
}

void ConfigWalker::WalkList(const Entry& entry, const std::string& path, pb::Message* message,
                            const pb::FieldDescriptor* field) {
  const YAML::Node& node = entry.value;
  if (!node.IsNull() && !node.IsSequence()) {
    problems_.Add(MarkOr(node, entry.key_mark), path,
                  fmt::format("expected a list, got {}", internal::NodeKindName(node)));
    return;
  }
  const pb::Reflection* reflection = message->GetReflection();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string item_path = IndexPath(path, i);
    const YAML::Mark item_mark = MarkOr(item, entry.key_mark);
    if (!IsSection(field)) {
      ConvertAndStore(item, item_mark, item_path, message, field);
    } else if (!item.IsMap()) {
      problems_.Add(item_mark, item_path,
                    fmt::format("expected a mapping, got {}", internal::NodeKindName(item)));
    } else {
      WalkMessage(item, item_mark, item_path, reflection->AddMessage(message, field));
    }
  }
  const SettingSpec spec = internal::SpecForField(field);
  if (spec.required && node.size() == 0) {
    problems_.Add(entry.key_mark, path, "must list at least one value");
  }
}

void ConfigWalker::ConvertAndStore(const YAML::Node& node, const YAML::Mark& fallback,
                                   const std::string& path, pb::Message* message,
                                   const pb::FieldDescriptor* field) {
  const YAML::Mark mark = MarkOr(node, fallback);
  auto value = internal::ConvertField(field, node);
  if (!value) {
    std::string text = value.error().message();
    const std::string& default_text = internal::SpecForField(field).default_text;
    if (node.IsNull() && !default_text.empty()) {
      text += fmt::format("; remove the key to use the default {}", Quote(default_text));
    }
    problems_.Add(mark, path, std::move(text));
    return;
  }
  marks_.emplace(path, mark);
  internal::StoreField(message, field, *value);
}

void ConfigWalker::FillMissing(const std::set<int>& seen, const YAML::Mark& owner_mark,
                               const std::string& path, pb::Message* message) {
  const pb::Descriptor* descriptor = message->GetDescriptor();
  const pb::Reflection* reflection = message->GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    if (seen.contains(field->number()) || field->is_map()) continue;
    const SettingSpec spec = internal::SpecForField(field);
    if (spec.required) {
      problems_.Add(owner_mark, path,
                    fmt::format("missing required {} {}", IsSection(field) ? "section" : "key",
                                Quote(internal::YamlKey(field))));
    } else if (IsSection(field) && !field->is_repeated()) {
      // A section left out takes its defaults; one without any stays unset.
      pb::Message* section = reflection->MutableMessage(message, field);
      WalkMessage(YAML::Node(), owner_mark, KeyPath(path, internal::YamlKey(field)), section);
      if (section->ByteSizeLong() == 0) reflection->ClearField(message, field);
    } else if (!spec.default_text.empty()) {
      auto value = internal::DefaultForField(field);
      if (!value) {
        problems_.Add(owner_mark, KeyPath(path, internal::YamlKey(field)),
                      "internal: the declared default is invalid: " + value.error().message());
        continue;
      }
      internal::StoreField(message, field, *value);
    }
  }
}

void ConfigWalker::WalkInstance(const std::vector<Entry>& entries, const YAML::Mark& owner_mark,
                                const std::string& path, pb::Message* message) {
  const bool is_driver = message->GetDescriptor() == v1::DriverInstance::descriptor();
  auto* driver = is_driver ? static_cast<v1::DriverInstance*>(message) : nullptr;
  auto* pipeline = is_driver ? nullptr : static_cast<v1::PipelineInstance*>(message);
  InstanceRecord record{is_driver ? driver->id() : pipeline->id(), owner_mark, path, {}};
  if (const Entry* id = FindEntry(entries, "id")) record.id_mark = MarkOr(id->value, id->key_mark);
  const Entry* inputs = FindEntry(entries, "inputs");
  if (inputs != nullptr && inputs->value.IsSequence()) {
    for (std::size_t i = 0; i < inputs->value.size(); ++i) {
      const YAML::Node item = inputs->value[i];
      if (item.IsScalar()) {
        record.inputs.push_back({item.Scalar(), item.Mark(), IndexPath(path + ".inputs", i)});
      }
    }
  }
  if (!record.id.empty()) (is_driver ? drivers_ : pipelines_).push_back(record);

  const std::string& type = is_driver ? driver->type() : pipeline->type();
  if (type.empty()) return;  // missing or invalid: reported already
  const SettingsSchema* schema =
      is_driver ? registry_.FindDriver(type) : registry_.FindPipeline(type);
  if (schema == nullptr) {
    const Entry* type_entry = FindEntry(entries, "type");
    problems_.Add(
        MarkOr(type_entry->value, type_entry->key_mark), KeyPath(path, "type"),
        fmt::format(
            "unknown {} type {}; known types: {}", is_driver ? "driver" : "pipeline", Quote(type),
            internal::Join(is_driver ? registry_.DriverTypes() : registry_.PipelineTypes(), ", ")));
    return;
  }
  const Entry* settings = FindEntry(entries, "settings");
  const YAML::Node settings_node = settings != nullptr ? settings->value : YAML::Node();
  const YAML::Mark settings_mark = settings != nullptr ? settings->key_mark : owner_mark;
  auto values = internal::ValidateSettingsNode(*schema, settings_node, settings_mark,
                                               KeyPath(path, "settings"), problems_);
  auto* map = is_driver ? driver->mutable_settings() : pipeline->mutable_settings();
  for (auto& [key, value] : values) (*map)[key] = std::move(value);
}

void ConfigWalker::CheckUniqueIds(const std::vector<InstanceRecord>& records,
                                  std::string_view what) {
  std::map<std::string, int, std::less<>> first_line;
  for (const InstanceRecord& record : records) {
    const auto [seen, inserted] = first_line.emplace(record.id, record.id_mark.line + 1);
    if (inserted) continue;
    problems_.Add(
        record.id_mark, record.path + ".id",
        fmt::format("duplicate {} id {} (first at line {})", what, Quote(record.id), seen->second));
  }
}

std::string_view InputProblem(std::string_view input) {
  const std::size_t slash = input.find('/');
  if (input.empty() || slash == 0) return "no driver instance";
  if (slash == std::string_view::npos) return {};
  const std::string_view channel = input.substr(slash + 1);
  if (channel.empty()) return "empty channel after \"/\"";
  if (channel.find('/') != std::string_view::npos) return "more than one \"/\"";
  return {};
}

void ConfigWalker::CheckInputs() {
  std::set<std::string> ids;
  for (const InstanceRecord& driver : drivers_) ids.insert(driver.id);
  const std::string configured =
      ids.empty() ? "no drivers are configured"
                  : "configured: " + internal::Join({ids.begin(), ids.end()}, ", ");
  for (const InstanceRecord& pipeline : pipelines_) {
    for (const auto& input : pipeline.inputs) {
      if (const auto problem = InputProblem(input.text); !problem.empty()) {
        problems_.Add(input.mark, input.path,
                      fmt::format("expected \"driver-instance/channel\" or \"driver-instance\", "
                                  "got {} ({})",
                                  Quote(input.text), problem));
        continue;
      }
      const std::string instance = input.text.substr(0, input.text.find('/'));
      if (ids.contains(instance)) continue;
      problems_.Add(input.mark, input.path,
                    fmt::format("{} names driver instance {}, which is not configured; {}",
                                Quote(input.text), Quote(instance), configured));
    }
  }
}

void ConfigWalker::CheckBackoff(const v1::UplinkConfig& uplink) {
  if (uplink.backoff_initial_ms() <= uplink.backoff_max_ms()) return;
  const auto it = marks_.find("uplink.backoff_initial");
  const auto max_it = marks_.find("uplink.backoff_max");
  const YAML::Mark mark = it != marks_.end()       ? it->second
                          : max_it != marks_.end() ? max_it->second
                                                   : YAML::Mark::null_mark();
  problems_.Add(mark, "uplink.backoff_initial",
                fmt::format("must not be above uplink.backoff_max ({} > {})",
                            FormatDuration(uplink.backoff_initial_ms()),
                            FormatDuration(uplink.backoff_max_ms())));
}

void ConfigWalker::AddAt(const std::string& path, std::string message) {
  const auto it = marks_.find(path);
  problems_.Add(it != marks_.end() ? it->second : YAML::Mark::null_mark(), path,
                std::move(message));
}

// The uplink's static requirements, checked here too so that --check-config
// (systemd's ExecStartPre) does not pass a config the daemon then refuses.
// Whether the named files are readable is checked when the uplink starts: the
// config may be checked on another machine than the one it is meant for.
void ConfigWalker::CheckUplinkTls(const v1::UplinkConfig& uplink) {
  const v1::TlsConfig& tls = uplink.tls();
  for (int i = 0; i < uplink.brokers_size(); ++i) {
    const std::string& uri = uplink.brokers(i);
    const bool uses_tls = uri.starts_with("ssl://") || uri.starts_with("mqtts://");
    if (uses_tls && tls.ca_file().empty()) {
      AddAt(fmt::format("uplink.brokers[{}]", i),
            fmt::format("{} uses TLS: set uplink.tls.ca_file (only the configured CA is trusted)",
                        Quote(uri)));
    }
  }
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    AddAt(tls.cert_file().empty() ? "uplink.tls.key_file" : "uplink.tls.cert_file",
          "cert_file and key_file go together (mutual TLS needs both)");
  }
}

// Parses the single document of the file; syntax errors become problems.
std::optional<YAML::Node> ParseDocument(std::string_view text, ProblemList& problems) {
  try {
    internal::SingleDocument document = internal::LoadSingleDocument(text);
    if (document.second_document) {
      problems.Add(*document.second_document, "", "only one YAML document is allowed");
      return std::nullopt;
    }
    return document.node;
  } catch (const YAML::ParserException& e) {
    problems.Add(e.mark, "", "YAML syntax error: " + e.msg);
  }
  return std::nullopt;
}

}  // namespace

Loaded LoadConfigText(std::string_view text, std::string_view file_name,
                      const SchemaRegistry& registry) {
  Loaded loaded;
  ProblemList problems{std::string(file_name)};
  if (const auto root = ParseDocument(text, problems)) {
    try {
      ConfigWalker(problems, registry).Walk(*root, &loaded.config);
    } catch (const YAML::Exception& e) {
      problems.Add(e.mark, "", "unreadable YAML: " + e.msg);
    }
  }
  loaded.problems = problems.Take();
  loaded.warnings = problems.TakeWarnings();
  if (loaded.problems.empty()) loaded.hash = ConfigHash(loaded.config);
  return loaded;
}

Loaded LoadConfigFile(const std::string& path, const SchemaRegistry& registry) {
  std::error_code error;
  std::ifstream in;
  if (!std::filesystem::is_directory(path, error)) in.open(path, std::ios::binary);
  std::ostringstream text;
  if (in.is_open()) text << in.rdbuf();
  if (!in.is_open() || in.bad()) {
    Loaded loaded;
    loaded.problems.push_back(
        {path, 0, 0, "", "cannot read the file (does it exist, is it readable?)"});
    return loaded;
  }
  return LoadConfigText(text.str(), path, registry);
}

std::string ConfigHash(const v1::Config& config) {
  std::string bytes;
  {
    pb::io::StringOutputStream stream(&bytes);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    config.SerializeToCodedStream(&coded);
  }
  return crypto::Sha256Hex(bytes);
}

int ReportProblems(const Loaded& loaded, std::ostream& out) {
  for (const Problem& warning : loaded.warnings) out << "warning: " << warning.ToString() << '\n';
  if (loaded.ok()) return 0;
  out << FormatProblems(loaded.problems);
  return kExitConfig;
}

}  // namespace cityedge::config
