// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/clock.hpp"

#include <sys/timex.h>

#include <atomic>
#include <cctype>
#include <ctime>
#include <fstream>
#include <string_view>

namespace cityedge::clock {
namespace {

std::int64_t ReadClock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<BootId> ParseBootId(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  BootId id{};
  std::size_t nibbles = 0;
  for (char c : text) {
    if (c == '-') continue;
    const int v = HexValue(c);
    if (v < 0 || nibbles >= 32) {
      return MakeError(Code::kInvalidArgument, "boot id \"{}\" is not a UUID", text);
    }
    id[nibbles / 2] = static_cast<std::uint8_t>(id[nibbles / 2] | (v << (nibbles % 2 ? 0 : 4)));
    ++nibbles;
  }
  if (nibbles != 32) {
    return MakeError(Code::kInvalidArgument, "boot id \"{}\" is not a UUID", text);
  }
  return id;
}

Result<BootId> ReadBootId(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) {
    return MakeError(Code::kUnavailable, "cannot read boot id from {}", path);
  }
  return ParseBootId(text);
}

std::string FormatBootId(const BootId& id) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0xf]);
  }
  return out;
}

SyncInfo QuerySync() {
  timex tx{};  // modes == 0: read only
  const int state = adjtimex(&tx);
  SyncInfo info;
  if (state == -1) return info;
  const bool unsynced = state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0;
  info.state = unsynced ? v1::CLOCK_STATE_UNSYNCED : v1::CLOCK_STATE_NTP;
  info.max_error_us = tx.maxerror;
  return info;
}

void Clock::Stamp(v1::Timestamp* ts) const {
  const SyncInfo sync = Sync();
  ts->set_wall_unix_ns(WallNs());
  ts->set_monotonic_ns(MonotonicNs());
  ts->set_boot_id(boot_id().data(), boot_id().size());
  ts->set_clock_state(sync.state);
  ts->set_max_error_us(sync.max_error_us);
}

v1::Timestamp Clock::Now() const {
  v1::Timestamp ts;
  Stamp(&ts);
  return ts;
}

SystemClock::SystemClock() {
  // Without procfs (a chroot) events still flow; the zero boot id says "unknown".
  if (auto id = ReadBootId()) boot_id_ = *id;
}

std::int64_t SystemClock::WallNs() const { return ReadClock(CLOCK_REALTIME); }
std::int64_t SystemClock::MonotonicNs() const { return ReadClock(CLOCK_MONOTONIC); }

SyncInfo SystemClock::Sync() const {
  // Cache packed as (state << 56 | max_error_us) with the time it was read.
  static std::atomic<std::int64_t> cached_at{-1'000'000'000'000};
  static std::atomic<std::uint64_t> cached{0};
  const std::int64_t now = MonotonicNs();
  if (now - cached_at.load(std::memory_order_relaxed) > 1'000'000'000) {
    const SyncInfo fresh = QuerySync();
    cached.store((static_cast<std::uint64_t>(fresh.state) << 56) |
                     (static_cast<std::uint64_t>(fresh.max_error_us) & ((1ULL << 56) - 1)),
                 std::memory_order_relaxed);
    cached_at.store(now, std::memory_order_relaxed);
    return fresh;
  }
  const std::uint64_t packed = cached.load(std::memory_order_relaxed);
  return SyncInfo{static_cast<v1::ClockState>(packed >> 56),
                  static_cast<std::int64_t>(packed & ((1ULL << 56) - 1))};
}

const Clock& Default() {
  static const SystemClock clock;
  return clock;
}

}  // namespace cityedge::clock
