// SPDX-License-Identifier: Apache-2.0
#include "replay.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace cityedge::drivers::replay {
namespace {

constexpr const char* kFormats[] = {"csv", "jsonl", nullptr};
constexpr const char* kTimestamps[] = {"now", "file", nullptr};

constexpr ce_driver_setting_spec kSettings[] = {
    sdk::Setting("path", CE_DRIVER_SETTING_STRING, "CSV or JSONL file to replay").Required(),
    sdk::Setting("format", CE_DRIVER_SETTING_ENUM, "File format (see the driver README)")
        .Allowed(kFormats)
        .Default("csv"),
    sdk::Setting("rate", CE_DRIVER_SETTING_DOUBLE,
                 "Playback speed factor against the file's timestamps (2: twice as fast); 0: as "
                 "fast as possible")
        .Default("1.0")
        .Min(0)
        .Max(100000),
    sdk::Setting("loop", CE_DRIVER_SETTING_BOOL, "Start over at the end of the file")
        .Default("false"),
    sdk::Setting("timestamps", CE_DRIVER_SETTING_ENUM,
                 "Capture time of a reading: now (when played) or file (as recorded; loops shift "
                 "by the file's span so time keeps moving forward)")
        .Allowed(kTimestamps)
        .Default("now"),
};

// Malformed lines logged per pass; the rest are only counted.
constexpr std::uint64_t kMaxLoggedMalformed = 20;

std::int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const ce_driver_setting_spec> ReplayDriver::Schema() { return kSettings; }

sdk::Result<std::unique_ptr<ReplayDriver>> ReplayDriver::Create(const sdk::Settings& settings,
                                                                sdk::Host host) {
  const std::string path = settings.GetString("path");
  if (path.empty()) return sdk::Fatal("setting 'path' is empty");
  const std::string format = settings.GetString("format", "csv");
  if (format != "csv" && format != "jsonl") {
    return sdk::Fatal("setting 'format' must be csv or jsonl, got '" + format + "'");
  }
  const double rate = settings.GetDouble("rate", 1.0);
  if (rate < 0) return sdk::Fatal("setting 'rate' must not be negative");
  const bool file_time = settings.GetString("timestamps", "now") == "file";
  return std::make_unique<ReplayDriver>(host, path, format == "csv" ? Format::kCsv : Format::kJsonl,
                                        rate, settings.GetBool("loop", false), file_time);
}

ReplayDriver::ReplayDriver(sdk::Host host, std::string path, Format format, double rate, bool loop,
                           bool file_time)
    : Driver(host),
      path_(std::move(path)),
      format_(format),
      rate_(rate),
      loop_(loop),
      file_time_(file_time) {}

sdk::Status ReplayDriver::Start() {
  file_.open(path_);
  if (!file_.is_open()) {
    // May appear later (a mount, a copy in progress): retried with backoff.
    return sdk::Retry("cannot open " + path_ + ": " + std::strerror(errno));
  }
  host().ReportHealth(CE_DRIVER_HEALTH_ONLINE, "replaying " + path_);
  return {};
}

sdk::Status ReplayDriver::Run() {
  while (true) {
    bool stopped = false;
    sdk::Result<Pass> pass = PlayOnce(&stopped);
    if (!pass) return std::unexpected(pass.error());
    if (stopped) return {};
    if (pass->malformed > 0 && passes_ == 0) {
      host().Warn(path_ + ": " + std::to_string(pass->malformed) + " malformed line(s) skipped");
    }
    if (pass->emitted == 0) {
      // Looping over a file without readings would spin; nothing to replay.
      return sdk::Fatal(path_ + " holds no valid readings");
    }
    ++passes_;
    if (!loop_) {
      host().Info(path_ + ": finished after " + std::to_string(pass->emitted) + " readings");
      return {};
    }
    file_.clear();
    file_.seekg(0);
  }
}

sdk::Result<ReplayDriver::Pass> ReplayDriver::PlayOnce(bool* stopped) {
  Pass pass;
  int csv_columns = format_ == Format::kCsv ? 0 : -1;  // 0: header not read yet
  std::int64_t first_ns = 0;
  std::int64_t start_mono_ns = 0;
  std::string line;
  for (std::uint64_t line_no = 1; std::getline(file_, line); ++line_no) {
    if (host().ShouldStop()) break;
    Record record;
    if (!ParseLine(line, line_no, &csv_columns, &record, &pass)) continue;
    if (pass.emitted == 0) {
      first_ns = record.time_ns;
      start_mono_ns = SteadyNs();
    }
    if (!WaitUntilDue(record.time_ns, first_ns, start_mono_ns)) break;
    if (read_request_.Take()) EmitLatest();
    const std::int64_t capture_ns = file_time_ ? record.time_ns + loop_shift_ns_ : 0;
    host().Emit(sdk::Reading{record.channel.c_str(), record.value, record.unit.c_str(),
                             record.quality, capture_ns, 0});
    latest_[record.channel] = record;
    NoteStep(pass, record.time_ns);
    ++pass.emitted;
  }
  if (pass.emitted > 0) loop_shift_ns_ += pass.last_ns - first_ns + pass.step_ns;
  if (file_.bad()) return sdk::Retry(path_ + ": read error: " + std::strerror(errno));
  *stopped = host().ShouldStop();
  return pass;
}

void ReplayDriver::NoteStep(Pass& pass, std::int64_t time_ns) {
  // The smallest forward step between records stands for the gap between the
  // last record of one pass and the first of the next.
  if (pass.emitted > 0 && time_ns > pass.last_ns) {
    const std::int64_t step = time_ns - pass.last_ns;
    if (pass.step_ns == 0 || step < pass.step_ns) pass.step_ns = step;
  }
  if (pass.emitted == 0 || time_ns > pass.last_ns) pass.last_ns = time_ns;
}

bool ReplayDriver::ParseLine(const std::string& line, std::uint64_t line_no, int* csv_columns,
                             Record* record, Pass* pass) const {
  if (IsSkippable(line)) return false;
  std::string error;
  if (*csv_columns == 0) {
    const auto columns = ParseCsvHeader(line);
    if (columns) {
      *csv_columns = *columns;
      return false;
    }
    error = columns.error();
  } else {
    ParseResult parsed = *csv_columns > 0 ? ParseCsvLine(line, *csv_columns) : ParseJsonLine(line);
    if (parsed) {
      *record = std::move(*parsed);
      return true;
    }
    error = parsed.error();
  }
  // Later passes of a loop meet the same lines again; they are only counted.
  if (++pass->malformed <= kMaxLoggedMalformed && passes_ == 0) {
    host().Warn(path_ + ":" + std::to_string(line_no) + ": skipped: " + error);
  }
  return false;
}

bool ReplayDriver::WaitUntilDue(std::int64_t record_ns, std::int64_t first_ns,
                                std::int64_t start_mono_ns) {
  if (rate_ <= 0) return !host().ShouldStop();
  const double offset_ns = static_cast<double>(record_ns - first_ns) / rate_;
  const std::int64_t due_ns = start_mono_ns + static_cast<std::int64_t>(offset_ns);
  // Short slices keep stop latency low whatever the gap in the file.
  while (true) {
    const std::int64_t remaining_ns = due_ns - SteadyNs();
    if (read_request_.Take()) EmitLatest();
    if (remaining_ns <= 0) return !host().ShouldStop();
    const auto slice_ms = static_cast<std::uint32_t>(
        std::min<std::int64_t>(200, (remaining_ns + 999'999) / 1'000'000));
    if (host().SleepMs(slice_ms)) return false;
  }
}

sdk::Status ReplayDriver::ReadNow() {
  read_request_.Ask();
  return {};
}

void ReplayDriver::EmitLatest() {
  for (const auto& [channel, record] : latest_) {
    host().Emit(
        sdk::Reading{channel.c_str(), record.value, record.unit.c_str(), record.quality, 0, 0});
  }
}

}  // namespace cityedge::drivers::replay

CITYEDGE_DRIVER(replay, cityedge::drivers::replay::ReplayDriver)
