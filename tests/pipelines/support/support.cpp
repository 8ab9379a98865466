// SPDX-License-Identifier: Apache-2.0
#include "tests/pipelines/support/support.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>

#include "daemon/core/sample.hpp"

namespace cityedge::pipelines::testing {
namespace {

template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> ParseDurationMs(std::string_view text) {
  static const std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  for (const auto& [suffix, factor] : kUnits) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      const auto number = ParseNumber<std::int64_t>(text.substr(0, text.size() - suffix.size()));
      // "5m" must not be read as "5" + "m" of "ms": ParseNumber rejects "5m".
      if (number) return *number * factor;
    }
  }
  return std::nullopt;
}

Result<v1::SettingValue> ConvertScalar(const config::SettingSpec& spec, const std::string& text) {
  v1::SettingValue value;
  using config::SettingType;
  auto bad = [&] {
    return MakeError(Code::kInvalidArgument, "{}: \"{}\" is not a valid {}", spec.key, text,
                     config::SettingTypeName(spec.type));
  };
  switch (spec.type) {
    case SettingType::kString:
      value.set_string_value(text);
      break;
    case SettingType::kInt: {
      const auto v = ParseNumber<std::int64_t>(text);
      if (!v) return bad();
      value.set_int_value(*v);
      break;
    }
    case SettingType::kDouble: {
      const auto v = ParseNumber<double>(text);
      if (!v || !std::isfinite(*v)) return bad();
      value.set_double_value(*v);
      break;
    }
    case SettingType::kBool:
      if (text != "true" && text != "false") return bad();
      value.set_bool_value(text == "true");
      break;
    case SettingType::kDuration: {
      const auto v = ParseDurationMs(text);
      if (!v) return bad();
      value.set_int_value(*v);
      break;
    }
    case SettingType::kEnum:
      if (std::find(spec.allowed.begin(), spec.allowed.end(), text) == spec.allowed.end()) {
        return bad();
      }
      value.set_string_value(text);
      break;
    default:
      return bad();
  }
  return value;
}

}  // namespace

Result<v1::SettingValue> ConvertSetting(const config::SettingSpec& spec, const YAML::Node& node) {
  if (spec.type == config::SettingType::kList) {
    if (!node.IsSequence()) {
      return MakeError(Code::kInvalidArgument, "{}: expected a list", spec.key);
    }
    v1::SettingValue value;
    auto* list = value.mutable_list_value();
    for (const auto& item : node) list->add_items(item.as<std::string>());
    return value;
  }
  if (!node.IsScalar()) {
    return MakeError(Code::kInvalidArgument, "{}: expected a single value", spec.key);
  }
  auto value = ConvertScalar(spec, node.Scalar());
  if (!value) return value;
  const double number =
      value->has_double_value() ? value->double_value() : static_cast<double>(value->int_value());
  if ((value->has_double_value() || value->has_int_value()) &&
      ((spec.min && number < *spec.min) || (spec.max && number > *spec.max))) {
    return MakeError(Code::kInvalidArgument, "{}: {} is out of range", spec.key, node.Scalar());
  }
  return value;
}

config::Settings MakeSettings(const config::SettingsSchema& schema,
                              const std::map<std::string, std::string>& yaml) {
  std::map<std::string, v1::SettingValue> values;
  for (const auto& [key, text] : yaml) {
    const auto spec = std::find_if(schema.begin(), schema.end(),
                                   [&](const config::SettingSpec& s) { return s.key == key; });
    INFO("setting " << key);
    REQUIRE(spec != schema.end());
    auto value = ConvertSetting(*spec, YAML::Load(text));
    INFO((value ? "" : value.error().ToString()));
    REQUIRE(value.has_value());
    values[key] = *value;
  }
  for (const auto& spec : schema) {
    if (values.contains(spec.key) || spec.default_text.empty()) continue;
    auto value = ConvertSetting(spec, YAML::Load(spec.default_text));
    INFO("default of " << spec.key << ": " << (value ? "" : value.error().ToString()));
    REQUIRE(value.has_value());
    values[spec.key] = *value;
  }
  return config::Settings(std::move(values));
}

const PipelineType& TypeNamed(std::string_view name) {
#ifdef CITYEDGE_TEST_VISION_PIPELINES
  // Vision pipelines' code is in the vision worker's table.
  const PipelineType* type = FindVisionPipelineType(name);
  if (type == nullptr) type = FindPipelineType(name);
#else
  const PipelineType* type = FindPipelineType(name);
#endif
  INFO("pipeline type " << name);
  REQUIRE(type != nullptr);
  return *type;
}

Result<std::unique_ptr<Pipeline>> Harness::Create(std::string_view type,
                                                  const std::map<std::string, std::string>& yaml,
                                                  std::vector<std::string> inputs) {
  static MemorySink sink;
  static FakeClock clock;
  const PipelineType& t = TypeNamed(type);
  return t.create(MakeSettings(t.schema, yaml), Context{"p", std::move(inputs), &sink, &clock});
}

Harness::Harness(std::string_view type, const std::map<std::string, std::string>& yaml,
                 std::vector<std::string> inputs) {
  const PipelineType& t = TypeNamed(type);
  auto created =
      t.create(MakeSettings(t.schema, yaml), Context{"p", std::move(inputs), &sink, &clock});
  INFO((created ? "" : created.error().ToString()));
  REQUIRE(created.has_value());
  pipeline_ = std::move(*created);
}

void Harness::Feed(std::string_view input, double value, std::int64_t t_ns, std::string_view unit,
                   v1::Quality quality) {
  const auto slash = input.find('/');
  v1::Timestamp ts;
  ts.set_wall_unix_ns(t_ns);
  ts.set_monotonic_ns(t_ns - kT0 + kSec);
  ts.set_clock_state(v1::CLOCK_STATE_NTP);
  Sample sample{.source = input.substr(0, slash),
                .channel = slash == std::string_view::npos ? "" : input.substr(slash + 1),
                .value = value,
                .unit = unit,
                .quality = quality,
                .capture_time = &ts};
  pipeline_->OnSample(sample);
}

void Harness::Tick(std::int64_t monotonic_ns) {
  clock.monotonic_ns = monotonic_ns;
  pipeline_->OnTick(monotonic_ns);
}

std::vector<v1::Event> Harness::Take() { return std::exchange(sink.events, {}); }

}  // namespace cityedge::pipelines::testing
