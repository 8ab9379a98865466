// SPDX-License-Identifier: Apache-2.0
#include "iio_device.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::iio {
namespace {

namespace fs = std::filesystem;

// Units of the kernel IIO ABI: temperature in milli degrees Celsius, relative
// humidity in milli percent, pressure in kilopascal, resistance in ohms.
constexpr std::array<ChannelKind, 4> kKinds = {{
    {"temp", "temperature", "degC", 0.001},
    {"humidityrelative", "humidity", "%RH", 0.001},
    {"pressure", "pressure", "hPa", 10.0},
    {"resistance", "gas_resistance", "ohm", 1.0},
}};

// Reads a sysfs attribute: one line, a trailing newline. A missing file is
// std::nullopt (many attributes are optional); an unreadable one an error.
sdk::Result<std::optional<std::string>> ReadAttribute(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path);
  if (!in) return sdk::Retry(fmt::format("cannot read {}", path.string()));
  // istreambuf_iterator rather than operator<<: an empty file is a value ("")
  // to report as not a number, not a read failure.
  std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return sdk::Retry(fmt::format("cannot read {}", path.string()));
  const auto end = s.find_last_not_of(" \t\r\n");
  s.erase(end == std::string::npos ? 0 : end + 1);
  return std::optional<std::string>(std::move(s));
}

sdk::Result<double> ParseValue(const fs::path& path, const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return sdk::Retry(
        fmt::format("{} holds \"{}\", not a number", path.string(), text.substr(0, 40)));
  }
  return value;
}

// The attribute as a number, or nullopt when the file does not exist.
sdk::Result<std::optional<double>> ReadNumber(const fs::path& path) {
  auto text = ReadAttribute(path);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<double>();
  auto value = ParseValue(path, **text);
  if (!value) return std::unexpected(value.error());
  return std::optional<double>(*value);
}

std::string NameOf(const fs::path& dir) {
  auto name = ReadAttribute(dir / "name");
  return name && *name ? **name : std::string("?");
}

bool Matches(const fs::path& dir, const std::string& device) {
  const std::string leaf = dir.filename().string();
  return leaf == device || leaf == "iio:device" + device || NameOf(dir) == device;
}

}  // namespace

std::span<const ChannelKind> ChannelKinds() { return kKinds; }

const ChannelKind* FindChannelKind(std::string_view iio_type) {
  const auto it = std::find_if(kKinds.begin(), kKinds.end(),
                               [&](const ChannelKind& k) { return k.iio_type == iio_type; });
  return it == kKinds.end() ? nullptr : &*it;
}

std::string ChannelKindNames() {
  std::vector<std::string_view> names;
  for (const auto& k : kKinds) names.push_back(k.iio_type);
  return fmt::format("{}", fmt::join(names, ", "));
}

sdk::Result<std::string> FindDevice(const std::string& root, const std::string& device) {
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.path().filename().string().starts_with("iio:device")) dirs.push_back(entry.path());
  }
  if (ec) return sdk::Retry(fmt::format("cannot list IIO devices in {}: {}", root, ec.message()));
  std::sort(dirs.begin(), dirs.end());
  std::vector<std::string> seen;
  for (const auto& dir : dirs) {
    if (Matches(dir, device)) return dir.string();
    seen.push_back(fmt::format("{} ({})", dir.filename().string(), NameOf(dir)));
  }
  return sdk::Retry(fmt::format("no IIO device \"{}\" in {}; found: {}", device, root,
                                seen.empty() ? std::string("none (is the kernel driver loaded?)")
                                             : fmt::format("{}", fmt::join(seen, ", "))));
}

sdk::Result<double> ReadChannel(const std::string& device_dir, std::string_view iio_type) {
  const fs::path dir(device_dir);
  const std::string stem = fmt::format("in_{}_", iio_type);
  auto input = ReadNumber(dir / (stem + "input"));
  if (!input) return std::unexpected(input.error());
  if (*input) return **input;
  auto raw = ReadNumber(dir / (stem + "raw"));
  if (!raw) return std::unexpected(raw.error());
  if (!*raw) {
    return sdk::Fatal(fmt::format("{} has neither {}input nor {}raw", device_dir, stem, stem));
  }
  auto offset = ReadNumber(dir / (stem + "offset"));
  if (!offset) return std::unexpected(offset.error());
  auto scale = ReadNumber(dir / (stem + "scale"));
  if (!scale) return std::unexpected(scale.error());
  return (**raw + offset->value_or(0.0)) * scale->value_or(1.0);
}

std::vector<const ChannelKind*> AvailableChannels(const std::string& device_dir) {
  std::vector<const ChannelKind*> out;
  std::error_code ec;
  for (const auto& kind : kKinds) {
    const fs::path stem = fs::path(device_dir) / fmt::format("in_{}_", kind.iio_type);
    if (fs::exists(stem.string() + "input", ec) || fs::exists(stem.string() + "raw", ec)) {
      out.push_back(&kind);
    }
  }
  return out;
}

}  // namespace cityedge::drivers::iio
