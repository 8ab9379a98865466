// SPDX-License-Identifier: Apache-2.0
// One connection to a video source: a cv::VideoCapture opened and read on a
// thread of its own, handing decoded frames to the supervisor through a
// one-frame mailbox (the newest frame wins; replaced frames are counted).
//
// Why a thread: VideoCapture::open and ::read can block far longer than the
// host allows (a camera that stops sending mid-frame, an RTSP server that
// accepts and never answers). The FFmpeg backend honours open/read timeouts;
// V4L2 and other backends may not. The supervisor therefore watches frame age
// and can abandon a reader stuck inside the backend: an abandoned reader keeps
// its shared state alive, never touches the host, and releases its capture
// when the backend finally returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <opencv2/core/mat.hpp>

namespace cityedge::drivers::camera {

enum class SourceKind { kDevice, kStream, kFile };

// "/dev/video0" -> kDevice; "rtsp://", "http://", "https://", "rtmp://",
// "udp://", "tcp://" -> kStream; anything else is a file.
[[nodiscard]] SourceKind ClassifySource(const std::string& source);

enum class Backend { kAuto, kFfmpeg, kV4l2 };

struct CaptureOptions {
  std::string source;
  SourceKind kind = SourceKind::kFile;
  Backend backend = Backend::kAuto;
  int open_timeout_ms = 5000;
  int read_timeout_ms = 5000;
  bool loop = true;      // files: start over at the end
  bool realtime = true;  // files: pace at the file's frame rate
  bool gray = false;     // convert to 8-bit gray
  int width = 0;         // devices: requested size/rate; 0 keeps the device's
  int height = 0;
  double fps = 0;
};

// A decoded frame and when it was grabbed.
struct CapturedFrame {
  cv::Mat image;  // owns its buffer; never written again by the reader
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
};

// THREADING: Launch, Wait*, Take, Cancel and Retire from the supervisor's
// thread (Cancel also from the host's control thread). The capture itself
// lives only on the reader's thread.
class Reader {
 public:
  // Starts the reader thread, which opens the source at once.
  [[nodiscard]] static std::unique_ptr<Reader> Launch(CaptureOptions options);
  ~Reader();  // Retire(0ms)
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Waits up to `timeout` for a frame or the end of the reader.
  void Wait(std::chrono::milliseconds timeout);
  // The waiting frame, if any.
  [[nodiscard]] std::optional<CapturedFrame> Take();
  [[nodiscard]] bool opened() const;
  // Why the reader ended; empty while it runs.
  [[nodiscard]] std::string EndReason() const;
  [[nodiscard]] bool finished() const;
  // The source's nominal frame rate once opened (0: unknown).
  [[nodiscard]] double nominal_fps() const;
  // Totals of this connection.
  [[nodiscard]] std::uint64_t decode_errors() const;
  [[nodiscard]] std::uint64_t replaced_frames() const;

  // Asks the thread to end and wakes Wait. Never blocks.
  void Cancel();
  // Waits up to `timeout` for the thread to end; true when it has.
  bool WaitFinished(std::chrono::milliseconds timeout);
  // Cancels and waits up to `grace` for the thread to end. True when joined;
  // false when the thread is stuck in the backend and was abandoned (it
  // finishes on its own later).
  bool Retire(std::chrono::milliseconds grace);

  // State shared by the supervisor and the reader thread (reader.cpp).
  struct Shared;

 private:
  explicit Reader(std::shared_ptr<Shared> shared);
  static void Body(const std::shared_ptr<Shared>& shared);

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace cityedge::drivers::camera
