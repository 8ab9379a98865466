// SPDX-License-Identifier: Apache-2.0
// camera: frames from a V4L2 device, an RTSP/HTTP stream or a video file,
// through OpenCV VideoCapture, under a supervisor that heals the stream.
//
// Supervisor states, one stream per instance:
//   connecting -> streaming -> (stalled | ended) -> backoff -> connecting ...
// A frame-age watchdog declares a stream stalled when no frame arrived for
// `stall_timeout`; the reader is then abandoned if the backend does not
// return, and a new connection is tried after a jittered, capped exponential
// backoff. Every loss and recovery is reported to the host as offline/online
// health with the reason, which the host publishes as DriverStatus events.
// Frames go to the host without copies: the decoded cv::Mat buffer is owned by
// the frame until the host releases it. Settings and metrics: README.md.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "backoff.hpp"
#include "camera_info.hpp"
#include "cityedge/driver.hpp"
#include "reader.hpp"

namespace cityedge::drivers::camera {

enum class StreamState { kConnecting, kStreaming, kStalled, kBackoff };
[[nodiscard]] const char* StreamStateName(StreamState state);

struct SupervisorOptions {
  std::chrono::milliseconds stall_timeout{3000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds metrics_interval{10'000};  // 0: no metric readings
};

class CameraDriver final : public sdk::Driver, public CameraInfo {
 public:
  static sdk::Result<std::unique_ptr<CameraDriver>> Create(const sdk::Settings& settings,
                                                           sdk::Host host);

  CameraDriver(sdk::Host host, CaptureOptions capture, SupervisorOptions supervisor);

  sdk::Status Run() override;
  void Stop() override;

 private:
  // Counters over the life of the instance (reported as readings).
  struct Metrics {
    std::uint64_t frames = 0;
    std::uint64_t decode_errors = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t dropped = 0;
    std::uint64_t frames_at_last_report = 0;
    std::chrono::steady_clock::time_point last_report = std::chrono::steady_clock::now();
  };

  // Runs one connection until it ends; returns why (empty on stop).
  std::string Stream(Reader& reader);
  // Waits for the reader thread; false when it was abandoned in the backend.
  bool Retire(Reader& reader);
  // Sleeps the backoff delay in slices, keeping metrics flowing.
  void Backoff(std::chrono::milliseconds delay);
  void EmitFrame(CapturedFrame captured);
  void SetState(StreamState state);
  void MaybeReportMetrics(const Reader* reader);

  const CaptureOptions capture_;
  const SupervisorOptions supervisor_;
  camera::Backoff backoff_;
  Metrics metrics_;
  StreamState state_ = StreamState::kConnecting;

  std::mutex current_mu_;  // guards current_ against Stop from the host thread
  Reader* current_ = nullptr;
};

}  // namespace cityedge::drivers::camera
