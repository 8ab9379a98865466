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
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/vision/supervisor.hpp"

namespace cityedge::vision {
namespace {

using std::chrono::milliseconds;

class LockedSink final : public EventSink {
 public:
  Status Emit(v1::Event event) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
    return OkStatus();
  }
  std::vector<v1::Event> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<v1::Event> events_;
};

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
  return o;
}

std::vector<v1::DriverStatus> StatusesOf(const LockedSink& sink, const std::string& id) {
  std::vector<v1::DriverStatus> out;
  for (const auto& e : sink.Events()) {
    if (e.has_driver_status() && e.driver_status().instance() == id)
      out.push_back(e.driver_status());
  }
  return out;
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
  LockedSink sink;
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

  SECTION("a snapshot comes through the worker as a JPEG") {
    auto jpeg = supervisor.Snapshot("cam1", 320);
    REQUIRE(jpeg.has_value());
    REQUIRE(jpeg->size() > 100);
    CHECK(static_cast<unsigned char>((*jpeg)[0]) == 0xFF);
    CHECK(static_cast<unsigned char>((*jpeg)[1]) == 0xD8);
    auto none = supervisor.Snapshot("aq1", 320);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().code() == Code::kNotFound);
  }

  SECTION("a worker killed by SIGSEGV: one offline status naming it, then online again") {
    const auto before = StatusesOf(sink, "cam1");
    REQUIRE(::kill(first.pid, SIGSEGV) == 0);
    REQUIRE(WaitFor([&] {
      const auto w = OnlyWorker(supervisor);
      return w.running && w.pid != first.pid && DriverOnline(supervisor);
    }));
    const auto after = StatusesOf(sink, "cam1");
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
    const auto statuses = StatusesOf(sink, "cam1");
    const bool named = std::any_of(statuses.begin(), statuses.end(), [](const auto& d) {
      return d.state() == v1::COMPONENT_STATE_OFFLINE &&
             d.reason().find("sent no heartbeat for 2 s") != std::string::npos;
    });
    CHECK(named);
    CHECK(Gone(first.pid));
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

}  // namespace
}  // namespace cityedge::vision
