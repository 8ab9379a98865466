// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/log.hpp"
#include "daemon/host/builtin_drivers.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/vision/protocol.hpp"
#include "daemon/vision/sandbox.hpp"
#include "pipelines/pipeline.hpp"
#include "pipelines/router.hpp"
#include "pipelines/sample_tap.hpp"
#include "pipelines/vision/privacy.hpp"

#ifndef CITYEDGE_VERSION
#define CITYEDGE_VERSION "0.0.0"
#endif

namespace cityedge::vision {
namespace {

constexpr std::int64_t kReadTimeoutMs = 3000;

// Events go to the core, which journals them.
class ChannelSink final : public EventSink {
 public:
  explicit ChannelSink(Channel& channel) : channel_(channel) {}
  Status Emit(v1::Event event) override {
    internal::FromWorker message;
    *message.mutable_event() = std::move(event);
    return channel_.Send(message);
  }

 private:
  Channel& channel_;
};

std::uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

internal::Heartbeat MakeHeartbeat(const host::DriverHost& drivers,
                                  const pipelines::SampleTap& tap) {
  internal::Heartbeat beat;
  for (const DriverInstanceStatus& d : drivers.Statuses()) {
    internal::DriverState* s = beat.add_drivers();
    s->set_id(d.id);
    s->set_type(d.type);
    s->set_state(d.state);
    s->set_reason(d.reason);
    s->set_restarts(d.restarts);
    s->set_readings(d.readings);
    s->set_frames(d.frames);
    s->set_rejected(d.rejected);
    s->set_sink_errors(d.sink_errors);
  }
  for (const PipelineInstanceStatus& p : tap.Pipelines()) {
    internal::PipelineState* s = beat.add_pipelines();
    s->set_id(p.id);
    s->set_type(p.type);
    s->set_samples(p.samples);
    s->set_frames(p.frames);
    s->set_frames_dropped(p.frames_dropped);
  }
  beat.set_rss_bytes(RssBytes());
  return beat;
}

void SetError(internal::Reply* reply, const Error& error) {
  reply->set_code(static_cast<int>(error.code()));
  reply->set_message(error.message());
}

internal::Reply Answer(const internal::ToWorker& request, host::DriverHost& drivers,
                       pipelines::SampleTap& tap) {
  internal::Reply reply;
  switch (request.body_case()) {
    case internal::ToWorker::kSnapshot: {
      const auto& r = request.snapshot();
      std::optional<Frame> frame = tap.NewestFrame(r.instance());
      if (!frame) {
        SetError(&reply, Error(Code::kNotFound,
                               fmt::format("no frame from {} yet: is it online?", r.instance())));
        break;
      }
      pipelines::privacy::PrivacyOptions options;
      if (r.max_width() > 0) options.max_width = static_cast<int>(std::min(r.max_width(), 4096u));
      auto jpeg = pipelines::privacy::EncodePrivateJpeg(*frame, options);
      if (jpeg) {
        reply.set_jpeg(std::move(*jpeg));
      } else {
        SetError(&reply, jpeg.error());
      }
      break;
    }
    case internal::ToWorker::kRead: {
      const std::string& instance = request.read().instance();
      tap.Expect(instance);
      if (auto s = drivers.ReadNow(instance); !s) {
        (void)tap.Collect(instance, 0);
        SetError(&reply, s.error());
        break;
      }
      for (auto& e : tap.Collect(instance, kReadTimeoutMs)) *reply.add_readings() = std::move(e);
      break;
    }
    case internal::ToWorker::kRestartDriver:
      if (auto s = drivers.RestartInstance(request.restart_driver().instance()); !s) {
        SetError(&reply, s.error());
      }
      break;
    default:
      SetError(&reply, Error(Code::kInvalidArgument, "unexpected request"));
  }
  return reply;
}

// Sends a heartbeat every `interval` until stopped.
class Heart {
 public:
  Heart(Channel& channel, const host::DriverHost& drivers, const pipelines::SampleTap& tap,
        std::chrono::milliseconds interval)
      : thread_([&channel, &drivers, &tap, interval](std::stop_token stop) {
          std::mutex mu;
          std::condition_variable_any cv;
          std::unique_lock lock(mu);
          while (!stop.stop_requested()) {
            internal::FromWorker message;
            *message.mutable_heartbeat() = MakeHeartbeat(drivers, tap);
            if (!channel.Send(message)) return;
            cv.wait_for(lock, stop, interval, [] { return false; });
          }
        }) {}

 private:
  std::jthread thread_;
};

Result<host::DriverRegistry> VisionRegistry(const v1::Config& config) {
  host::DriverRegistry registry;
  if (auto s = registry.AddBuiltins(host::VisionDrivers()); !s) return std::unexpected(s.error());
  std::vector<Error> problems;
  if (auto s = registry.LoadDirectory(config.driver_dir(), &problems); !s) {
    return std::unexpected(s.error());
  }
  for (const auto& p : problems) spdlog::warn("{}", p.message());
  return registry;
}

}  // namespace

int RunWorker(int fd) {
  Channel channel(fd);
  internal::ToWorker first;
  if (auto s = channel.Receive(&first); !s || !first.has_start()) {
    std::fprintf(stderr, "cityedge-vision: expected Start on descriptor %d: %s\n", fd,
                 s ? "got another message" : s.error().message().c_str());
    return 2;
  }
  const internal::Start& start = first.start();
  if (start.protocol_version() != kProtocolVersion) {
    std::fprintf(stderr, "cityedge-vision: the core speaks protocol %u, this worker %u\n",
                 start.protocol_version(), kProtocolVersion);
    return 2;
  }
  log::Init(start.config().logging().level());

  auto registry = VisionRegistry(start.config());
  if (!registry) {
    spdlog::error("drivers: {}", registry.error());
    return 1;
  }
  SandboxPolicy policy;
  policy.read_paths.assign(start.sandbox().read_paths().begin(),
                           start.sandbox().read_paths().end());
  policy.write_paths.assign(start.sandbox().write_paths().begin(),
                            start.sandbox().write_paths().end());
  policy.keep_fds = {STDERR_FILENO, fd};
  // The evidence folder must exist before the sandbox names it.
  for (const auto& dir : policy.write_paths) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) spdlog::warn("{}: cannot create {}: {}", start.group(), dir, ec.message());
  }
  policy.network = start.sandbox().network();
  auto sandbox = ApplySandbox(policy);
  if (!sandbox) {
    spdlog::error("sandbox: {}", sandbox.error());
    return 1;
  }
  if (!sandbox->warning.empty()) spdlog::warn("{}: sandbox: {}", start.group(), sandbox->warning);
  for (const auto& note : sandbox->notes) spdlog::info("{}: sandbox: {}", start.group(), note);

  internal::FromWorker hello;
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  hello.mutable_hello()->set_version(CITYEDGE_VERSION);
  hello.mutable_hello()->set_pid(::getpid());
  hello.mutable_hello()->set_landlock_abi(static_cast<std::uint32_t>(sandbox->landlock_abi));
  hello.mutable_hello()->set_seccomp(sandbox->seccomp_applied);
  hello.mutable_hello()->set_sandbox_warning(sandbox->warning);
  if (!channel.Send(hello)) return 0;
  // Snapshots and evidence blur faces found by four cascades, which take
  // seconds to parse on a small box: they load now, beside the drivers'
  // start, so the first `cityedge snapshot` does not wait for them.
  std::jthread warm_up([] { (void)pipelines::privacy::CascadeFolder(); });

  const clock::Clock& clock = clock::Default();
  ChannelSink sink(channel);
  host::DriverHost drivers(*registry, sink, clock);
  pipelines::SampleTap tap;
  drivers.AddSampleListener(&tap);
  drivers.AddFrameListener(&tap);
  auto router = pipelines::PipelineRouter::CreateWithTypes(start.config(), sink, clock,
                                                           pipelines::FindVisionPipelineType);
  if (!router) {
    spdlog::error("{}", router.error());
    return 1;
  }
  (*router)->Start();
  tap.Swap(std::move(*router));
  // Heartbeats start before the drivers do: a driver that takes its time to
  // open (a required camera waits up to the host's create timeout) must not
  // make the worker look hung.
  Heart heart(channel, drivers, tap,
              std::chrono::milliseconds(std::max(100u, start.heartbeat_interval_ms())));
  int status = 0;
  if (auto s = drivers.Start(start.config()); !s) {
    spdlog::error("drivers: {}", s.error());
    status = 1;
  } else {
    while (true) {
      internal::ToWorker request;
      if (auto s = channel.Receive(&request); !s) {
        if (s.error().code() != Code::kNotFound) spdlog::warn("channel: {}", s.error());
        break;
      }
      if (request.has_stop()) break;
      internal::FromWorker answer;
      answer.set_request_id(request.request_id());
      *answer.mutable_reply() = Answer(request, drivers, tap);
      if (!channel.Send(answer)) break;
    }
  }
  tap.StopRouter();
  drivers.StopAll();
  tap.Swap(nullptr);
  return status;
}

}  // namespace cityedge::vision
