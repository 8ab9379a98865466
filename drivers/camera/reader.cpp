// SPDX-License-Identifier: Apache-2.0
#include "reader.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace cityedge::drivers::camera {
namespace {

// A run of failed decodes this long means the stream is garbage, not a glitch.
constexpr std::uint64_t kMaxConsecutiveDecodeErrors = 50;

std::int64_t NowNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

int ApiOf(const CaptureOptions& o) {
  switch (o.backend) {
    case Backend::kFfmpeg:
      return cv::CAP_FFMPEG;
    case Backend::kV4l2:
      return cv::CAP_V4L2;
    case Backend::kAuto:
      break;
  }
  return o.kind == SourceKind::kDevice ? cv::CAP_V4L2 : cv::CAP_FFMPEG;
}

}  // namespace

SourceKind ClassifySource(const std::string& source) {
  if (StartsWith(source, "/dev/video")) return SourceKind::kDevice;
  for (const char* scheme :
       {"rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://", "srt://"}) {
    if (StartsWith(source, scheme)) return SourceKind::kStream;
  }
  return SourceKind::kFile;
}

struct Reader::Shared {
  explicit Shared(CaptureOptions o) : options(std::move(o)) {}
  const CaptureOptions options;
  std::atomic<bool> cancel{false};
  std::atomic<bool> abandoned{false};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::optional<CapturedFrame> frame;
  bool opened = false;
  bool finished = false;
  std::string end_reason;
  double nominal_fps = 0;
  std::uint64_t decode_errors = 0;
  std::uint64_t replaced = 0;

  void Finish(std::string reason) {
    {
      std::lock_guard lock(mu);
      finished = true;
      end_reason = std::move(reason);
    }
    cv.notify_all();
  }
  void Offer(CapturedFrame captured) {
    {
      std::unique_lock lock(mu);
      // A file has no deadline: it waits for the supervisor instead of
      // dropping. A live source never waits; the newest frame wins.
      if (options.kind == SourceKind::kFile) {
        cv.wait(lock, [&] { return !frame.has_value() || cancel.load(); });
      }
      if (frame) ++replaced;
      frame = std::move(captured);
    }
    cv.notify_all();
  }
};

namespace {

// The capture of one connection; lives on the reader thread only.
class Session {
 public:
  explicit Session(Reader::Shared& shared) : s_(shared) {}

  // Returns why the session ended.
  std::string Run() {
    if (std::string error = Open(); !error.empty()) return error;
    std::uint64_t consecutive_errors = 0;
    std::uint64_t frame_no = 0;
    const std::int64_t start_ns = NowNs(CLOCK_MONOTONIC);
    while (!s_.cancel.load()) {
      if (!capture_.grab()) {
        if (s_.options.kind == SourceKind::kFile && s_.options.loop && frame_no > 0) {
          if (std::string error = Reopen(); !error.empty()) return error;
          continue;
        }
        return s_.options.kind == SourceKind::kFile ? "end of file"
                                                    : "stream ended or read timed out";
      }
      CapturedFrame captured;
      captured.mono_ns = NowNs(CLOCK_MONOTONIC);
      captured.wall_ns = NowNs(CLOCK_REALTIME);
      // A fresh Mat each time: the previous frame may still be held by a
      // pipeline, and retrieve() would otherwise write into its buffer.
      if (!capture_.retrieve(captured.image) || captured.image.empty()) {
        std::lock_guard lock(s_.mu);
        ++s_.decode_errors;
        if (++consecutive_errors >= kMaxConsecutiveDecodeErrors) return "stream does not decode";
        continue;
      }
      consecutive_errors = 0;
      if (!Normalize(captured.image)) {
        std::lock_guard lock(s_.mu);
        ++s_.decode_errors;
        continue;
      }
      ++frame_no;
      if (!Pace(start_ns, frame_no)) break;
      s_.Offer(std::move(captured));
    }
    return "cancelled";
  }

 private:
  std::string Open() {
    const CaptureOptions& o = s_.options;
    std::vector<int> params;
    if (ApiOf(o) == cv::CAP_FFMPEG) {
      params = {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, o.open_timeout_ms, cv::CAP_PROP_READ_TIMEOUT_MSEC,
                o.read_timeout_ms};
    }
    if (!capture_.open(o.source, ApiOf(o), params) || !capture_.isOpened()) {
      return "cannot open " + o.source;
    }
    if (o.kind == SourceKind::kDevice) {
      if (o.width > 0) capture_.set(cv::CAP_PROP_FRAME_WIDTH, o.width);
      if (o.height > 0) capture_.set(cv::CAP_PROP_FRAME_HEIGHT, o.height);
      if (o.fps > 0) capture_.set(cv::CAP_PROP_FPS, o.fps);
    }
    const double fps = capture_.get(cv::CAP_PROP_FPS);
    {
      std::lock_guard lock(s_.mu);
      s_.opened = true;
      s_.nominal_fps = (fps > 0 && fps < 1000) ? fps : 0;
      fps_ = s_.nominal_fps > 0 ? s_.nominal_fps : 25.0;
    }
    s_.cv.notify_all();
    return {};
  }

  // Frames leave as 8-bit BGR or gray, whatever the backend produced.
  bool Normalize(cv::Mat& image) const {
    if (image.depth() != CV_8U) return false;
    const int channels = image.channels();
    int code = -1;
    if (s_.options.gray) {
      if (channels == 3) code = cv::COLOR_BGR2GRAY;
      if (channels == 4) code = cv::COLOR_BGRA2GRAY;
    } else {
      if (channels == 1) code = cv::COLOR_GRAY2BGR;
      if (channels == 4) code = cv::COLOR_BGRA2BGR;
    }
    if (code < 0) return channels == (s_.options.gray ? 1 : 3);
    cv::Mat converted;
    cv::cvtColor(image, converted, code);
    image = std::move(converted);
    return true;
  }

  std::string Reopen() {
    capture_.release();
    if (std::string error = Open(); !error.empty()) return error;
    return {};
  }

  // Files paced in real time wait for the frame's due time; false on cancel.
  bool Pace(std::int64_t start_ns, std::uint64_t frame_no) {
    if (s_.options.kind != SourceKind::kFile || !s_.options.realtime) return true;
    const auto due_ns =
        start_ns + static_cast<std::int64_t>(static_cast<double>(frame_no - 1) * 1e9 / fps_);
    while (!s_.cancel.load()) {
      const std::int64_t left_ns = due_ns - NowNs(CLOCK_MONOTONIC);
      if (left_ns <= 0) return true;
      std::unique_lock lock(s_.mu);
      s_.cv.wait_for(lock, std::chrono::nanoseconds(std::min<std::int64_t>(left_ns, 50'000'000)),
                     [&] { return s_.cancel.load(); });
    }
    return false;
  }

  Reader::Shared& s_;
  cv::VideoCapture capture_;
  double fps_ = 25.0;
};

}  // namespace

Reader::Reader(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

std::unique_ptr<Reader> Reader::Launch(CaptureOptions options) {
  std::unique_ptr<Reader> reader(new Reader(std::make_shared<Shared>(std::move(options))));
  reader->thread_ = std::thread(&Reader::Body, reader->shared_);
  return reader;
}

void Reader::Body(const std::shared_ptr<Shared>& shared) {
  std::string reason;
  try {
    Session session(*shared);
    reason = session.Run();
  } catch (const std::exception& e) {
    reason = std::string("capture backend error: ") + e.what();
  } catch (...) {
    reason = "capture backend error";
  }
  // The session (and its VideoCapture) is gone before anyone hears the end.
  shared->Finish(std::move(reason));
}

Reader::~Reader() { (void)Retire(std::chrono::milliseconds(0)); }

void Reader::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  shared_->cv.wait_for(lock, timeout, [&] {
    return shared_->frame.has_value() || shared_->finished || shared_->cancel.load();
  });
}

std::optional<CapturedFrame> Reader::Take() {
  std::optional<CapturedFrame> out;
  {
    std::lock_guard lock(shared_->mu);
    out = std::move(shared_->frame);
    shared_->frame.reset();
  }
  shared_->cv.notify_all();  // a file reader may wait for room
  return out;
}

bool Reader::opened() const {
  std::lock_guard lock(shared_->mu);
  return shared_->opened;
}
std::string Reader::EndReason() const {
  std::lock_guard lock(shared_->mu);
  return shared_->end_reason;
}
bool Reader::finished() const {
  std::lock_guard lock(shared_->mu);
  return shared_->finished;
}
double Reader::nominal_fps() const {
  std::lock_guard lock(shared_->mu);
  return shared_->nominal_fps;
}
std::uint64_t Reader::decode_errors() const {
  std::lock_guard lock(shared_->mu);
  return shared_->decode_errors;
}
std::uint64_t Reader::replaced_frames() const {
  std::lock_guard lock(shared_->mu);
  return shared_->replaced;
}

void Reader::Cancel() {
  {
    // Under the lock, so a waiter between its check and its wait still wakes.
    std::lock_guard lock(shared_->mu);
    shared_->cancel = true;
  }
  shared_->cv.notify_all();
}

bool Reader::WaitFinished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->finished; });
}

bool Reader::Retire(std::chrono::milliseconds grace) {
  if (!thread_.joinable()) return true;
  Cancel();
  {
    std::unique_lock lock(shared_->mu);
    shared_->cv.wait_for(lock, grace, [&] { return shared_->finished; });
    if (!shared_->finished) {
      shared_->abandoned = true;
      lock.unlock();
      thread_.detach();
      return false;
    }
  }
  thread_.join();
  return true;
}

}  // namespace cityedge::drivers::camera
