// SPDX-License-Identifier: Apache-2.0
// What the kernel says about this process and its storage: CPU time and RSS
// from procfs, free space from statvfs(3), and eMMC/SD wear from sysfs. Every
// reader takes its root folder so tests can point it at a fixture tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cityedge::health {

// User plus system CPU time of the process, seconds, from <proc_self>/stat
// (fields 14 and 15, in clock ticks). nullopt when unreadable.
[[nodiscard]] std::optional<double> ReadCpuSeconds(const std::string& proc_self = "/proc/self");
// Parses the text of /proc/<pid>/stat; the command name may hold spaces and
// parentheses, so fields are counted from the last ')'.
[[nodiscard]] std::optional<double> ParseCpuSeconds(std::string_view stat, long ticks_per_s);

// Resident set size, bytes, from <proc_self>/statm (second field, in pages).
[[nodiscard]] std::optional<std::uint64_t> ReadRssBytes(
    const std::string& proc_self = "/proc/self");

// Bytes an unprivileged writer may still use on the filesystem holding `path`.
[[nodiscard]] std::optional<std::uint64_t> DiskFreeBytes(const std::string& path);

// JEDEC life time estimates of one eMMC/SD device: 1 = 0-10 % of its rated
// life used ... 10 = 90-100 %, 11 = exceeded; 0 = not given.
struct StorageWear {
  std::string device;  // the sysfs device name, e.g. "mmc0:0001"
  std::uint32_t est_a = 0;
  std::uint32_t est_b = 0;
  bool operator==(const StorageWear&) const = default;
};

// Parses a life_time attribute ("0x01 0x02\n"). nullopt for anything else,
// including codes outside 0..11 (reserved by JEDEC).
[[nodiscard]] std::optional<StorageWear> ParseLifeTime(std::string_view text);

// Every <sysfs_class>/mmc_host/*/mmc*/life_time that parses, by device name.
// Most machines have none: the result is then empty.
[[nodiscard]] std::vector<StorageWear> ReadStorageWear(
    const std::string& sysfs_class = "/sys/class");

}  // namespace cityedge::health
