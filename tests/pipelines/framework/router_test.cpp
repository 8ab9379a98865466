// SPDX-License-Identifier: Apache-2.0
#include "pipelines/router.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/core/clock.hpp"
#include "tests/fakes/event_sink.hpp"

namespace cityedge::pipelines {
namespace {

// Records frames; blocks inside OnFrame while `gate` is closed, as a slow
// detector would.
struct FrameLog {
  std::mutex mu;
  std::condition_variable cv;
  bool gate_open = true;
  bool inside = false;
  std::vector<std::int64_t> seen;  // capture wall ns of each delivered frame
  std::vector<std::string> sources;
};

class SlowPipeline final : public pipelines::Pipeline {
 public:
  explicit SlowPipeline(FrameLog& log) : log_(log) {}
  void OnSample(const Sample&) override {}
  void OnFrame(const Frame& frame) override {
    std::unique_lock lock(log_.mu);
    log_.inside = true;
    log_.cv.notify_all();
    log_.cv.wait(lock, [this] { return log_.gate_open; });
    log_.inside = false;
    log_.seen.push_back(frame.capture_time.wall_unix_ns());
    log_.sources.emplace_back(frame.source);
    log_.cv.notify_all();
  }

 private:
  FrameLog& log_;
};

v1::Config OneVisionPipeline() {
  v1::Config config;
  auto* p = config.add_pipelines();
  p->set_id("count");
  p->set_type("slow_vision");
  p->set_enabled(true);
  p->add_inputs("cam1");
  auto* q = config.add_pipelines();
  q->set_id("readings");
  q->set_type("readings_only");
  q->set_enabled(true);
  q->add_inputs("cam1");
  return config;
}

Frame MakeFrame(std::int64_t tag, std::atomic<int>& released, std::vector<std::uint8_t>& pixels) {
  Frame frame;
  frame.source = "cam1";
  frame.format = PixelFormat::kGray8;
  frame.width = 4;
  frame.height = 2;
  frame.stride = 4;
  frame.data = pixels.data();
  frame.capture_time.set_wall_unix_ns(tag);
  frame.hold = std::shared_ptr<const void>(pixels.data(), [&released](const void*) { ++released; });
  return frame;
}

TEST_CASE("a slow vision pipeline gets the newest frame; the rest are dropped and released") {
  FrameLog log;
  pipelines::PipelineType slow{
      "slow_vision", "test", {}, true, [&log](const config::Settings&, pipelines::Context) {
        return Result<std::unique_ptr<pipelines::Pipeline>>(std::make_unique<SlowPipeline>(log));
      }};
  int readings_frames = 0;
  struct ReadingsOnly final : pipelines::Pipeline {
    explicit ReadingsOnly(int& n) : n_(n) {}
    void OnSample(const Sample&) override {}
    void OnFrame(const Frame&) override { ++n_; }
    int& n_;
  };
  pipelines::PipelineType readings{"readings_only",
                                   "test",
                                   {},
                                   false,
                                   [&readings_frames](const config::Settings&, pipelines::Context) {
                                     return Result<std::unique_ptr<pipelines::Pipeline>>(
                                         std::make_unique<ReadingsOnly>(readings_frames));
                                   }};
  fakes::RecordingSink sink;
  auto router =
      PipelineRouter::CreateWithTypes(OneVisionPipeline(), sink, clock::Default(),
                                      [&](std::string_view name) -> const pipelines::PipelineType* {
                                        if (name == slow.name) return &slow;
                                        if (name == readings.name) return &readings;
                                        return nullptr;
                                      });
  REQUIRE(router);
  (*router)->Start();

  std::atomic<int> released{0};
  std::vector<std::uint8_t> pixels(8, 7);
  {
    std::lock_guard lock(log.mu);
    log.gate_open = false;
  }
  std::string source = "cam1";
  (*router)->OnFrame(MakeFrame(1, released, pixels));
  {
    std::unique_lock lock(log.mu);
    REQUIRE(log.cv.wait_for(lock, std::chrono::seconds(10), [&log] { return log.inside; }));
  }
  // Nine frames while the pipeline is busy with frame 1: one waits, eight are replaced.
  for (int tag = 2; tag <= 10; ++tag) (*router)->OnFrame(MakeFrame(tag, released, pixels));
  CHECK(released.load() == 8);
  {
    std::lock_guard lock(log.mu);
    log.gate_open = true;
  }
  log.cv.notify_all();
  {
    std::unique_lock lock(log.mu);
    REQUIRE(
        log.cv.wait_for(lock, std::chrono::seconds(10), [&log] { return log.seen.size() == 2; }));
  }
  (*router)->Stop();

  CHECK(log.seen == std::vector<std::int64_t>{1, 10});
  CHECK(log.sources == std::vector<std::string>{"cam1", "cam1"});
  CHECK(released.load() == 10);
  CHECK(readings_frames == 0);  // a type without consumes_frames never sees frames
  const auto info = (*router)->Instances();
  REQUIRE(info.size() == 2);
  CHECK(info[0].frames == 2);
  CHECK(info[0].frames_dropped == 8);
  CHECK(info[1].frames == 0);
}

TEST_CASE("each input camera has its own slot: a fast camera does not push out a slow one") {
  FrameLog log;
  pipelines::PipelineType slow{
      "slow_vision", "test", {}, true, [&log](const config::Settings&, pipelines::Context) {
        return Result<std::unique_ptr<pipelines::Pipeline>>(std::make_unique<SlowPipeline>(log));
      }};
  fakes::RecordingSink sink;
  v1::Config config = OneVisionPipeline();
  config.mutable_pipelines()->RemoveLast();
  config.mutable_pipelines(0)->add_inputs("ir1");
  auto router = PipelineRouter::CreateWithTypes(
      config, sink, clock::Default(),
      [&](std::string_view name) { return name == slow.name ? &slow : nullptr; });
  REQUIRE(router);
  std::atomic<int> released{0};
  std::vector<std::uint8_t> pixels(8, 7);
  {
    std::lock_guard lock(log.mu);
    log.gate_open = false;
  }
  (*router)->Start();
  (*router)->OnFrame(MakeFrame(1, released, pixels));
  {
    std::unique_lock lock(log.mu);
    REQUIRE(log.cv.wait_for(lock, std::chrono::seconds(10), [&log] { return log.inside; }));
  }
  {
    Frame thermal = MakeFrame(5, released, pixels);
    thermal.source = "ir1";
    (*router)->OnFrame(thermal);
  }
  for (int tag = 6; tag <= 9; ++tag) (*router)->OnFrame(MakeFrame(tag, released, pixels));
  {
    std::lock_guard lock(log.mu);
    log.gate_open = true;
  }
  log.cv.notify_all();
  {
    std::unique_lock lock(log.mu);
    REQUIRE(
        log.cv.wait_for(lock, std::chrono::seconds(10), [&log] { return log.seen.size() == 3; }));
  }
  (*router)->Stop();
  // The thermal frame (older) first, then the newest visible one.
  CHECK(log.seen == std::vector<std::int64_t>{1, 5, 9});
  CHECK(log.sources == std::vector<std::string>{"cam1", "ir1", "cam1"});
  CHECK((*router)->Instances()[0].frames_dropped == 3);
  CHECK(released.load() == 6);
}

TEST_CASE("frames waiting at stop are released, and frames after stop are refused") {
  FrameLog log;
  pipelines::PipelineType slow{
      "slow_vision", "test", {}, true, [&log](const config::Settings&, pipelines::Context) {
        return Result<std::unique_ptr<pipelines::Pipeline>>(std::make_unique<SlowPipeline>(log));
      }};
  fakes::RecordingSink sink;
  v1::Config config = OneVisionPipeline();
  config.mutable_pipelines()->RemoveLast();
  auto router = PipelineRouter::CreateWithTypes(
      config, sink, clock::Default(),
      [&](std::string_view name) { return name == slow.name ? &slow : nullptr; });
  REQUIRE(router);
  std::atomic<int> released{0};
  std::vector<std::uint8_t> pixels(8, 7);
  // Not started: the frame waits in the slot until Stop releases it.
  (*router)->OnFrame(MakeFrame(1, released, pixels));
  CHECK(released.load() == 0);
  (*router)->Stop();
  CHECK(released.load() == 1);
  (*router)->OnFrame(MakeFrame(2, released, pixels));
  CHECK(released.load() == 2);
  CHECK(log.seen.empty());
}

}  // namespace
}  // namespace cityedge::pipelines
