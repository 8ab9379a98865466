// SPDX-License-Identifier: Apache-2.0
#include "camera.hpp"

#include <algorithm>
#include <list>
#include <string_view>
#include <utility>

namespace cityedge::drivers::camera {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A stream that ended is retried; these many readers stuck in the backend at
// once mean the backend itself is wedged, and no further thread is spent.
constexpr std::size_t kMaxAbandonedReaders = 2;
constexpr milliseconds kPollSlice{100};
constexpr milliseconds kStopGrace{300};
constexpr milliseconds kOpenGrace{2000};

Backend ParseBackend(const std::string& text) {
  if (text == "ffmpeg") return Backend::kFfmpeg;
  if (text == "v4l2") return Backend::kV4l2;
  return Backend::kAuto;
}

void ReleaseMat(void* user, const void* /*data*/) { delete static_cast<cv::Mat*>(user); }

}  // namespace

const char* StreamStateName(StreamState state) {
  switch (state) {
    case StreamState::kConnecting:
      return "connecting";
    case StreamState::kStreaming:
      return "streaming";
    case StreamState::kStalled:
      return "stalled";
    case StreamState::kBackoff:
      return "backoff";
  }
  return "unknown";
}

sdk::Result<std::unique_ptr<CameraDriver>> CameraDriver::Create(const sdk::Settings& settings,
                                                                sdk::Host host) {
  CaptureOptions c;
  c.source = settings.GetString("source");
  if (c.source.empty()) return sdk::Fatal("setting 'source' is empty");
  c.kind = ClassifySource(c.source);
  c.backend = ParseBackend(settings.GetString("backend", "auto"));
  c.loop = settings.GetBool("loop", true);
  c.realtime = settings.GetString("pace", "realtime") == "realtime";
  c.gray = settings.GetString("pixel_format", "bgr") == "gray";
  c.width = static_cast<int>(settings.GetInt("width", 0));
  c.height = static_cast<int>(settings.GetInt("height", 0));
  c.fps = settings.GetDouble("fps", 0);
  c.open_timeout_ms = static_cast<int>(settings.GetDurationMs("open_timeout"));
  c.read_timeout_ms = static_cast<int>(settings.GetDurationMs("read_timeout"));
  SupervisorOptions s;
  s.stall_timeout = milliseconds(settings.GetDurationMs("stall_timeout"));
  s.backoff_initial = milliseconds(settings.GetDurationMs("backoff_initial"));
  s.backoff_max = milliseconds(settings.GetDurationMs("backoff_max"));
  s.metrics_interval = milliseconds(settings.GetDurationMs("metrics_interval"));
  if (s.backoff_max < s.backoff_initial) {
    return sdk::Fatal("setting 'backoff_max' must not be below 'backoff_initial'");
  }
  return std::make_unique<CameraDriver>(host, std::move(c), s);
}

CameraDriver::CameraDriver(sdk::Host host, CaptureOptions capture, SupervisorOptions supervisor)
    : Driver(host),
      capture_(std::move(capture)),
      supervisor_(supervisor),
      backoff_(supervisor.backoff_initial, supervisor.backoff_max) {}

sdk::Status CameraDriver::Run() {
  std::list<std::unique_ptr<Reader>> abandoned;
  bool first = true;
  while (!host().ShouldStop()) {
    abandoned.remove_if([](const std::unique_ptr<Reader>& r) { return r->finished(); });
    std::string why;
    if (abandoned.size() >= kMaxAbandonedReaders) {
      why = "capture backend hung in earlier connections; waiting for it to return";
    } else {
      if (!first) ++metrics_.reconnects;
      first = false;
      std::unique_ptr<Reader> reader = Reader::Launch(capture_);
      {
        std::lock_guard lock(current_mu_);
        current_ = reader.get();
      }
      why = Stream(*reader);
      {
        std::lock_guard lock(current_mu_);
        current_ = nullptr;
      }
      if (!Retire(*reader)) abandoned.push_back(std::move(reader));
      if (host().ShouldStop()) break;
      if (why == "end of file" && !capture_.loop) {
        host().Info(capture_.source + ": finished");
        return {};
      }
    }
    host().ReportHealth(CE_DRIVER_HEALTH_OFFLINE, why);
    SetState(StreamState::kBackoff);
    Backoff(backoff_.Next());
  }
  return {};
}

void CameraDriver::Stop() {
  std::lock_guard lock(current_mu_);
  if (current_ != nullptr) current_->Cancel();
}

std::string CameraDriver::Stream(Reader& reader) {
  SetState(StreamState::kConnecting);
  const steady_clock::time_point launched = steady_clock::now();
  steady_clock::time_point last_frame = launched;
  bool streaming = false;
  bool opened = false;
  while (!host().ShouldStop()) {
    reader.Wait(kPollSlice);
    const steady_clock::time_point now = steady_clock::now();
    if (std::optional<CapturedFrame> captured = reader.Take()) {
      last_frame = now;
      if (!streaming) {
        streaming = true;
        backoff_.Reset();
        SetState(StreamState::kStreaming);
        host().ReportHealth(CE_DRIVER_HEALTH_ONLINE,
                            "streaming " + capture_.source + " (" +
                                std::to_string(captured->image.cols) + "x" +
                                std::to_string(captured->image.rows) + ")");
      }
      EmitFrame(std::move(*captured));
    }
    MaybeReportMetrics(&reader);
    if (reader.finished()) {
      // The last frame may have arrived between Take and the end.
      if (std::optional<CapturedFrame> last = reader.Take()) EmitFrame(std::move(*last));
      return reader.EndReason();
    }
    if (!opened && reader.opened()) {
      opened = true;
      last_frame = now;  // frame age counts from the open
    }
    if (!opened) {
      if (now - launched > milliseconds(capture_.open_timeout_ms) + kOpenGrace) {
        return "open timed out after " + std::to_string(capture_.open_timeout_ms) + " ms";
      }
      continue;
    }
    if (now - last_frame > supervisor_.stall_timeout) {
      SetState(StreamState::kStalled);
      return "stalled: no frame for " + std::to_string(supervisor_.stall_timeout.count()) + " ms";
    }
  }
  return {};
}

bool CameraDriver::Retire(Reader& reader) {
  reader.Cancel();
  // A stalled backend gets its read timeout to return before it is abandoned,
  // unless the host wants the instance stopped (it allows 1 s in all).
  const steady_clock::time_point deadline =
      steady_clock::now() + milliseconds(capture_.read_timeout_ms) + milliseconds(1000);
  while (!host().ShouldStop() && steady_clock::now() < deadline) {
    if (reader.WaitFinished(kPollSlice)) break;
    MaybeReportMetrics(nullptr);
  }
  metrics_.decode_errors += reader.decode_errors();
  metrics_.dropped += reader.replaced_frames();
  const bool joined = reader.Retire(kStopGrace);
  if (!joined) host().Warn(capture_.source + ": capture thread stuck in the backend; abandoned");
  return joined;
}

void CameraDriver::Backoff(milliseconds delay) {
  const steady_clock::time_point until = steady_clock::now() + delay;
  while (!host().ShouldStop()) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - steady_clock::now());
    if (left.count() <= 0) break;
    if (host().SleepMs(static_cast<std::uint32_t>(std::min(left, kPollSlice * 5).count()))) break;
    MaybeReportMetrics(nullptr);
  }
}

void CameraDriver::EmitFrame(CapturedFrame captured) {
  // The Mat header (and with it the buffer's reference) moves to the heap and
  // is deleted by the host's release call: no pixel is copied.
  auto* image = new cv::Mat(std::move(captured.image));
  ce_driver_frame frame{};
  frame.pixel_format = image->channels() == 1 ? CE_DRIVER_PIXEL_GRAY8 : CE_DRIVER_PIXEL_BGR8;
  frame.width = static_cast<std::uint32_t>(image->cols);
  frame.height = static_cast<std::uint32_t>(image->rows);
  frame.stride = image->step[0];
  frame.data = image->data;
  frame.capture_wall_ns = captured.wall_ns;
  frame.capture_mono_ns = captured.mono_ns;
  frame.release = &ReleaseMat;
  frame.release_user = image;
  const ce_driver_result result = host().EmitFrame(frame);
  if (result == CE_DRIVER_OK) {
    ++metrics_.frames;
  } else {
    ++metrics_.dropped;
  }
}

void CameraDriver::SetState(StreamState state) {
  if (state == state_) return;
  host().Debug(capture_.source + ": " + StreamStateName(state_) + " -> " + StreamStateName(state));
  state_ = state;
}

void CameraDriver::MaybeReportMetrics(const Reader* reader) {
  if (supervisor_.metrics_interval.count() == 0) return;
  const steady_clock::time_point now = steady_clock::now();
  const auto elapsed = now - metrics_.last_report;
  if (elapsed < supervisor_.metrics_interval) return;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double fps =
      static_cast<double>(metrics_.frames - metrics_.frames_at_last_report) / seconds;
  const std::uint64_t decode_errors =
      metrics_.decode_errors + (reader != nullptr ? reader->decode_errors() : 0);
  const std::uint64_t dropped =
      metrics_.dropped + (reader != nullptr ? reader->replaced_frames() : 0);
  host().Emit("fps", fps, "Hz");
  host().Emit("decode_errors", static_cast<double>(decode_errors), "");
  host().Emit("reconnects", static_cast<double>(metrics_.reconnects), "");
  host().Emit("dropped_frames", static_cast<double>(dropped), "");
  metrics_.frames_at_last_report = metrics_.frames;
  metrics_.last_report = now;
}

}  // namespace cityedge::drivers::camera

CITYEDGE_DRIVER(camera, cityedge::drivers::camera::CameraDriver)
