// SPDX-License-Identifier: Apache-2.0
// The core's supervision of a real vision worker (cityedge-vision) running a
// real camera driver on vtest.avi: events journaled with the worker's sources
// only, snapshots through the privacy filter, a crash and a hang each reported
// as one offline DriverStatus and healed by a restart, no zombie, no orphan.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "daemon/core/clock.hpp"
#include "daemon/vision/supervisor.hpp"
#include "tests/fakes/event_sink.hpp"

namespace cityedge::vision {
namespace {

using std::chrono::milliseconds;

bool WaitFor(const std::function<bool()>& done, milliseconds timeout = milliseconds(60'000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

std::string MediaFile(const char* name) {
  const char* dir = std::getenv("CITYEDGE_MEDIA_DIR");
  return (std::filesystem::path(dir != nullptr ? dir : ".cache/media") / name).string();
}

WorkerPlan CameraPlan() {
  WorkerPlan plan;
  plan.name = "vision-cam1";
  plan.drivers = {"cam1"};
  plan.config.mutable_gateway()->set_id("gw-test");
  plan.config.mutable_logging()->set_level("warn");
  v1::DriverInstance* d = plan.config.add_drivers();
  d->set_id("cam1");
  d->set_type("camera");
  d->set_enabled(true);
  (*d->mutable_settings())["source"].set_string_value(MediaFile("vtest.avi"));
  (*d->mutable_settings())["loop"].set_bool_value(true);
  plan.sandbox.add_read_paths(MediaFile("vtest.avi"));
  return plan;
}

SupervisorOptions Options() {
  SupervisorOptions o;
  o.worker_path = FindWorkerExecutable();
  o.heartbeat_interval = milliseconds(200);
  o.heartbeat_timeout = milliseconds(2000);
  o.backoff_initial = milliseconds(100);
  o.backoff_max = milliseconds(400);
  // A snapshot runs four face cascades over a full frame; under the
  // sanitizers on a busy machine that can take longer than the default.
  o.request_timeout = milliseconds(60'000);
  return o;
}

std::size_t CountState(const std::vector<v1::DriverStatus>& s, v1::ComponentState state) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [state](const auto& d) { return d.state() == state; }));
}

WorkerStatus OnlyWorker(const Supervisor& supervisor) {
  auto workers = supervisor.Workers();
  REQUIRE(workers.size() == 1);
  return workers.front();
}

bool DriverOnline(const Supervisor& supervisor) {
  for (const auto& d : supervisor.Drivers()) {
    if (d.id == "cam1" && d.state == v1::COMPONENT_STATE_ONLINE && d.frames > 0) return true;
  }
  return false;
}

bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

TEST_CASE("a camera runs in a supervised worker, whose losses are reported and healed") {
  // The worker runs its own leak check before the sandbox (LeakSanitizer
  // cannot run inside it).
  REQUIRE_FALSE(FindWorkerExecutable().empty());
  // In sanitizer builds the worker (which inherits this environment) leaves
  // SIGSEGV to the kernel, as a production build does, instead of reporting
  // it and exiting 1.
  const char* asan = std::getenv("ASAN_OPTIONS");
  ::setenv("ASAN_OPTIONS", (std::string(asan != nullptr ? asan : "") + ":handle_segv=0").c_str(),
           1);
  fakes::RecordingSink sink;
  Supervisor supervisor(sink, clock::Default(), Options());
  supervisor.Apply({CameraPlan()});
  REQUIRE(WaitFor([&] { return DriverOnline(supervisor); }));
  const WorkerStatus first = OnlyWorker(supervisor);
  CHECK(first.running);
  CHECK(first.pid > 0);
  CHECK(first.rss_bytes > 0);
  CHECK(first.seccomp);
  CHECK(supervisor.RunsDriver("cam1"));
  CHECK_FALSE(supervisor.RunsDriver("aq1"));

  SECTION("the worker holds its channel, its source and nothing of the core's") {
    // Descriptors the test runner has open without CLOEXEC must not reach it.
    std::vector<std::string> held;
    for (const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(first.pid) + "/fd")) {
      std::error_code ec;
      const auto target = std::filesystem::read_symlink(entry.path(), ec);
      if (!ec) held.push_back(entry.path().filename().string() + " -> " + target.string());
    }
    INFO("worker descriptors: " << Catch::Detail::stringify(held));
    std::size_t sockets = 0;
    bool video = false;
    for (const auto& h : held) {
      const std::string target = h.substr(h.find(" -> ") + 4);
      if (target.starts_with("socket:")) ++sockets;
      if (target == MediaFile("vtest.avi")) video = true;
      const bool allowed = target.starts_with("socket:") || target.starts_with("pipe:") ||
                           target.starts_with("anon_inode:") || target.starts_with("/dev/") ||
                           target.starts_with("/usr/") || target == MediaFile("vtest.avi");
      CHECK(allowed);
    }
    CHECK(sockets == 1);
    CHECK(video);
  }

  SECTION("a snapshot comes through the worker as a JPEG") {
    auto jpeg = supervisor.Snapshot("cam1", 320);
    INFO((jpeg ? std::string() : jpeg.error().ToString()));
    REQUIRE(jpeg.has_value());
    REQUIRE(jpeg->size() > 100);
    CHECK(static_cast<unsigned char>((*jpeg)[0]) == 0xFF);
    CHECK(static_cast<unsigned char>((*jpeg)[1]) == 0xD8);
    auto none = supervisor.Snapshot("aq1", 320);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().code() == Code::kNotFound);
  }

  SECTION("a worker killed by SIGSEGV: one offline status naming it, then online again") {
    const auto before = sink.Statuses("cam1");
    REQUIRE(::kill(first.pid, SIGSEGV) == 0);
    REQUIRE(WaitFor([&] {
      const auto w = OnlyWorker(supervisor);
      return w.running && w.pid != first.pid && DriverOnline(supervisor);
    }));
    const auto after = sink.Statuses("cam1");
    const std::vector<v1::DriverStatus> added(after.begin() + static_cast<long>(before.size()),
                                              after.end());
    REQUIRE(CountState(added, v1::COMPONENT_STATE_OFFLINE) == 1);
    const auto offline = std::find_if(added.begin(), added.end(), [](const auto& d) {
      return d.state() == v1::COMPONENT_STATE_OFFLINE;
    });
    CHECK(offline->reason().find("killed by SIGSEGV") != std::string::npos);
    CHECK(offline->previous_state() == v1::COMPONENT_STATE_ONLINE);
    CHECK(CountState(added, v1::COMPONENT_STATE_ONLINE) == 1);
    CHECK(OnlyWorker(supervisor).restarts == 1);
    // Reaped: the old pid is no child of ours any more.
    int status = 0;
    CHECK(::waitpid(first.pid, &status, WNOHANG) == -1);
  }

  SECTION("a worker that stops sending heartbeats is killed and restarted") {
    REQUIRE(::kill(first.pid, SIGSTOP) == 0);
    REQUIRE(WaitFor([&] {
      const auto w = OnlyWorker(supervisor);
      return w.running && w.pid != first.pid && DriverOnline(supervisor);
    }));
    const auto statuses = sink.Statuses("cam1");
    const bool named = std::any_of(statuses.begin(), statuses.end(), [](const auto& d) {
      return d.state() == v1::COMPONENT_STATE_OFFLINE &&
             d.reason().find("sent no heartbeat for 2 s") != std::string::npos;
    });
    CHECK(named);
    CHECK(Gone(first.pid));
  }

  SECTION("a config apply restarts a worker only when its part of the config changed") {
    supervisor.Apply({CameraPlan()});
    CHECK(OnlyWorker(supervisor).pid == first.pid);
    WorkerPlan changed = CameraPlan();
    (*changed.config.mutable_drivers(0)->mutable_settings())["pace"].set_string_value("fast");
    supervisor.Apply({changed});
    REQUIRE(WaitFor([&] { return OnlyWorker(supervisor).running && DriverOnline(supervisor); }));
    CHECK(OnlyWorker(supervisor).pid != first.pid);
    CHECK(Gone(first.pid));
    // A replaced worker is a new one, not a restart after a failure.
    CHECK(OnlyWorker(supervisor).restarts == 0);
  }

  SECTION("every event the worker sends is its own; the journal assigns seq") {
    REQUIRE(WaitFor([&] { return sink.Events().size() >= 2; }));
    for (const auto& e : sink.Events()) {
      CHECK(e.seq() == 0);
      CHECK(e.source().starts_with("cam1"));
    }
  }

  const pid_t last = OnlyWorker(supervisor).pid;
  supervisor.StopAll();
  CHECK(Gone(last));
  CHECK(supervisor.Workers().empty());
}

// Routes the default logger into memory while a test runs.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] std::size_t Count(const std::string& text) const {
    const auto lines = sink_->last_formatted();
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
      return l.find(text) != std::string::npos;
    }));
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(512);
};

TEST_CASE("what a worker writes to stderr reaches the core's log at a bounded rate") {
  // A stand-in worker that complains like a decoder fed a corrupt stream,
  // then exits without a word on its channel.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityedge-noisy-worker-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "cityedge-vision";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\ni=0\nwhile [ $i -lt 200 ]; do\n"
         "  echo \"Corrupt JPEG data: $i extraneous bytes before marker 0xd9\" >&2\n"
         "  i=$((i + 1))\ndone\nexit 3\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  LogCapture log;
  {
    fakes::RecordingSink sink;
    SupervisorOptions o = Options();
    o.worker_path = script.string();
    o.backoff_initial = o.backoff_max = milliseconds(60'000);  // one run is enough
    Supervisor supervisor(sink, clock::Default(), o);
    supervisor.Apply({CameraPlan()});
    const bool ended = WaitFor([&] { return !OnlyWorker(supervisor).last_exit.empty(); });
    INFO("last exit: " << OnlyWorker(supervisor).last_exit);
    REQUIRE(ended);
    supervisor.StopAll();
  }
  CHECK(log.Count("vision worker vision-cam1: Corrupt JPEG data: ") == 20);
  CHECK(log.Count("vision worker vision-cam1: Corrupt JPEG data: 0 extraneous") == 1);
  CHECK(log.Count("vision worker vision-cam1: 180 more lines on its stderr not logged") == 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cityedge::vision
