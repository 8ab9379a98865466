// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/system_stats.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cityedge::health {
namespace {

std::optional<std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::uint32_t> ParseHexCode(std::string_view token) {
  if (token.size() < 3 || token[0] != '0' || (token[1] != 'x' && token[1] != 'X')) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data() + 2, end, value, 16);
  if (ec != std::errc() || ptr != end || value > 0x0B) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> ParseCpuSeconds(std::string_view stat, long ticks_per_s) {
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos || ticks_per_s <= 0) return std::nullopt;
  std::istringstream in{std::string(stat.substr(paren + 1))};
  // After the name: field 3 (state) onwards; utime and stime are fields 14, 15.
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int n = 3; n <= 15; ++n) {
    if (!(in >> field)) return std::nullopt;
    if (n < 14) continue;
    std::uint64_t& out = n == 14 ? utime : stime;
    auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
    if (ec != std::errc() || ptr != field.data() + field.size()) return std::nullopt;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_s);
}

std::optional<double> ReadCpuSeconds(const std::string& proc_self) {
  auto text = ReadText(std::filesystem::path(proc_self) / "stat");
  if (!text) return std::nullopt;
  return ParseCpuSeconds(*text, ::sysconf(_SC_CLK_TCK));
}

std::optional<std::uint64_t> ReadRssBytes(const std::string& proc_self) {
  std::ifstream in(std::filesystem::path(proc_self) / "statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return std::nullopt;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::optional<std::uint64_t> DiskFreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

std::optional<StorageWear> ParseLifeTime(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string a, b, extra;
  if (!(in >> a >> b) || (in >> extra)) return std::nullopt;
  auto code_a = ParseHexCode(a);
  auto code_b = ParseHexCode(b);
  if (!code_a || !code_b) return std::nullopt;
  return StorageWear{{}, *code_a, *code_b};
}

std::vector<StorageWear> ReadStorageWear(const std::string& sysfs_class) {
  namespace fs = std::filesystem;
  std::vector<StorageWear> found;
  std::error_code ec;
  const fs::path hosts = fs::path(sysfs_class) / "mmc_host";
  for (const auto& host : fs::directory_iterator(hosts, ec)) {
    std::error_code inner;
    for (const auto& card : fs::directory_iterator(host.path(), inner)) {
      const std::string name = card.path().filename().string();
      if (!name.starts_with("mmc")) continue;
      auto text = ReadText(card.path() / "life_time");
      if (!text) continue;
      auto wear = ParseLifeTime(*text);
      if (!wear) continue;
      wear->device = name;
      found.push_back(std::move(*wear));
    }
  }
  std::sort(found.begin(), found.end(),
            [](const StorageWear& x, const StorageWear& y) { return x.device < y.device; });
  return found;
}

}  // namespace cityedge::health
