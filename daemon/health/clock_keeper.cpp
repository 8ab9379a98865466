// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/clock_keeper.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/core/atomic_file.hpp"

namespace cityedge::health {
namespace {

std::string Utc(std::int64_t wall_ns) {
  const std::time_t s = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

Result<std::int64_t> ReadClockFloor(const std::string& path) {
  auto text = ReadSmallFile(path);
  if (!text) {
    if (text.error().code() == Code::kNotFound) {
      return MakeError(Code::kNotFound, "no clock floor at {}", path);
    }
    return std::unexpected(text.error());
  }
  const std::string line = text->substr(0, text->find('\n'));
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (ec != std::errc() || ptr != line.data() + line.size() || value <= 0) {
    return MakeError(Code::kDataLoss,
                     "clock floor {} holds \"{}\", not a wall time in ns; it is ignored and "
                     "rewritten once the clock is synchronised",
                     path, line.substr(0, 40));
  }
  return value;
}

Status WriteClockFloor(const std::string& path, std::int64_t wall_unix_ns) {
  return WriteFileAtomically(path, fmt::format("{}\n", wall_unix_ns), 0640);
}

ClockKeeper::ClockKeeper(ClockKeeperOptions options, EventSink& sink, const clock::Clock& clock)
    : options_(std::move(options)), sink_(sink), clock_(clock) {}

bool ClockKeeper::Synced(v1::ClockState state) {
  return state == v1::CLOCK_STATE_NTP || state == v1::CLOCK_STATE_RTC;
}

void ClockKeeper::Start() {
  std::lock_guard lock(mu_);
  if (auto floor = ReadClockFloor(options_.floor_path)) {
    floor_ns_ = *floor;
  } else if (floor.error().code() != Code::kNotFound) {
    spdlog::warn("{}", floor.error());
  }
  const std::int64_t wall = clock_.WallNs();
  const std::int64_t mono = clock_.MonotonicNs();
  last_state_ = clock_.Sync().state;
  if (!Synced(last_state_)) {
    unsynced_wall_ns_ = wall;
    unsynced_mono_ns_ = mono;
    have_unsynced_ = true;
  }
  if (floor_ns_ && wall < *floor_ns_) {
    below_floor_ = true;
    spdlog::warn(
        "wall clock {} is before the last known good time {} ({}): no RTC kept the time; events "
        "are stamped unsynced until the clock synchronises, then a clock correction is sent",
        Utc(wall), Utc(*floor_ns_), options_.floor_path);
  }
}

void ClockKeeper::Poll() {
  std::lock_guard lock(mu_);
  const v1::ClockState state = clock_.Sync().state;
  const std::int64_t wall = clock_.WallNs();
  const std::int64_t mono = clock_.MonotonicNs();
  if (!Synced(state)) {
    unsynced_wall_ns_ = wall;
    unsynced_mono_ns_ = mono;
    have_unsynced_ = true;
  } else {
    if (!Synced(last_state_) && have_unsynced_ && !corrected_) CorrectLocked(wall, mono, state);
    if (!persisted_ ||
        mono - last_persist_mono_ns_ >= std::chrono::nanoseconds(options_.persist_every).count()) {
      PersistLocked(wall, mono);
    }
  }
  last_state_ = state;
}

void ClockKeeper::Stop() {
  std::lock_guard lock(mu_);
  if (Synced(clock_.Sync().state)) PersistLocked(clock_.WallNs(), clock_.MonotonicNs());
}

void ClockKeeper::CorrectLocked(std::int64_t wall_ns, std::int64_t mono_ns, v1::ClockState state) {
  // What the unsynced clock would read now: it runs at the monotonic rate.
  const std::int64_t estimate = unsynced_wall_ns_ + (mono_ns - unsynced_mono_ns_);
  v1::Event event;
  event.set_source(options_.source);
  event.set_priority(v1::PRIORITY_CLASS_HEALTH);
  clock_.Stamp(event.mutable_capture_time());
  auto* c = event.mutable_clock_correction();
  c->set_boot_id(clock_.boot_id().data(), clock_.boot_id().size());
  c->set_monotonic_ns(mono_ns);
  c->set_offset_ns(wall_ns - estimate);
  c->set_new_state(state);
  c->set_floor_unix_ns(floor_ns_.value_or(0));
  spdlog::info(
      "clock synchronised ({}): the unsynced clock was off by {:.3f} s; clock correction "
      "sent",
      v1::ClockState_Name(state), static_cast<double>(wall_ns - estimate) / 1e9);
  if (auto s = sink_.Emit(std::move(event)); !s) {
    spdlog::warn("clock correction not journaled: {}", s.error());
  }
  corrected_ = true;
}

void ClockKeeper::PersistLocked(std::int64_t wall_ns, std::int64_t mono_ns) {
  // A floor only ever moves forward: a synced clock set back by hand must not
  // lower what earlier runs saw.
  if (floor_ns_ && wall_ns < *floor_ns_) return;
  if (auto s = WriteClockFloor(options_.floor_path, wall_ns); !s) {
    spdlog::warn("clock floor: {}", s.error());
    return;
  }
  floor_ns_ = wall_ns;
  last_persist_mono_ns_ = mono_ns;
  persisted_ = true;
}

std::optional<std::int64_t> ClockKeeper::floor_ns() const {
  std::lock_guard lock(mu_);
  return floor_ns_;
}

bool ClockKeeper::started_below_floor() const {
  std::lock_guard lock(mu_);
  return below_floor_;
}

bool ClockKeeper::corrected() const {
  std::lock_guard lock(mu_);
  return corrected_;
}

}  // namespace cityedge::health
