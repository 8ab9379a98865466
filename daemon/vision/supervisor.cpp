// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <future>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

#include "daemon/core/unique_fd.hpp"
#include "daemon/vision/admission.hpp"
#include "daemon/vision/protocol.hpp"
#include "daemon/vision/stderr_relay.hpp"

#ifndef CITYEDGE_VISION_WORKER_PATH
#define CITYEDGE_VISION_WORKER_PATH "/usr/lib/cityedge/cityedge-vision"
#endif

namespace cityedge::vision {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kWorkerName = "cityedge-vision";

std::string ExitReason(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = sigabbrev_np(sig);
    return abbrev != nullptr ? fmt::format("killed by SIG{}", abbrev)
                             : fmt::format("killed by signal {}", sig);
  }
  if (WIFEXITED(wait_status)) {
    const int code = WEXITSTATUS(wait_status);
    if (code == 0) return "exited";
    return fmt::format("exited with status {}{}", code, code == 1 ? " (see its log)" : "");
  }
  return "ended";
}

struct Child {
  pid_t pid = -1;
  int fd = -1;      // the core's end of the channel
  UniqueFd err_fd;  // the read end of the worker's stderr (non-blocking)
};

// fork + exec with the channel on kWorkerFd. Between fork and exec only
// async-signal-safe calls: the core has many threads.
Result<Child> Spawn(const std::string& path, const std::string& group) {
  if (path.empty()) {
    return MakeError(Code::kFailedPrecondition,
                     "cityedge-vision is not installed: install the cityedge-vision package");
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return MakeError(Code::kUnavailable, "socketpair: {}", std::strerror(errno));
  }
  UniqueFd core_end(sv[0]);
  UniqueFd worker_end(sv[1]);
  // The worker's stderr comes back to the core, which logs it at a bounded
  // rate (stderr_relay.hpp).
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) {
    return MakeError(Code::kUnavailable, "pipe: {}", std::strerror(errno));
  }
  UniqueFd err_read(err[0]);
  UniqueFd err_write(err[1]);
  const std::string name = std::string(kWorkerName) + ":" + group;
  char* const argv[] = {const_cast<char*>(name.c_str()), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return MakeError(Code::kUnavailable, "fork: {}", std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // The core blocks its stop signals in every thread; the worker must not.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (sv[1] == kWorkerFd) {
      ::fcntl(kWorkerFd, F_SETFD, 0);
    } else if (::dup2(sv[1], kWorkerFd) < 0) {
      ::_exit(127);
    }
    if (::dup2(err[1], STDERR_FILENO) < 0) ::_exit(127);
    // Nothing of the core's (journal, sockets, keys) reaches the worker.
    ::syscall(SYS_close_range, kWorkerFd + 1, ~0U, 0);
    ::execv(path.c_str(), argv);
    ::_exit(127);
  }
  worker_end.Reset();
  err_write.Reset();
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  return Child{pid, core_end.Release(), std::move(err_read)};
}

}  // namespace

const char* const kInstalledWorkerPath = CITYEDGE_VISION_WORKER_PATH;

std::vector<std::string> WorkerSearchPaths() {
  std::vector<std::string> paths;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto dir = self.parent_path();
    paths.push_back((dir / kWorkerName).string());
    const auto prefixed = (dir / ".." / "lib" / "cityedge" / kWorkerName).lexically_normal();
    if (prefixed != kInstalledWorkerPath) paths.push_back(prefixed.string());
  }
  paths.emplace_back(kInstalledWorkerPath);
  return paths;
}

std::string FindWorkerExecutable() {
  for (const auto& path : WorkerSearchPaths())
    if (::access(path.c_str(), X_OK) == 0) return path;
  return {};
}

// One supervised worker: a thread that spawns it, reads it, reaps it and
// spawns it again until stopped.
class Worker {
 public:
  Worker(WorkerPlan plan, EventSink& sink, const clock::Clock& clock, const SupervisorOptions& o)
      : plan_(std::move(plan)),
        own_(plan_.drivers.begin(), plan_.drivers.end()),
        sink_(sink),
        clock_(clock),
        options_(o),
        wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    own_.insert(plan_.pipelines.begin(), plan_.pipelines.end());
    for (const auto& d : plan_.config.drivers()) {
      DriverInstanceStatus& s = drivers_[d.id()];
      s.id = d.id();
      s.type = d.type();
      s.state = v1::COMPONENT_STATE_STARTING;
      s.reason = "vision worker starting";
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~Worker() {
    Stop();
    if (thread_.joinable()) thread_.join();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_.get(), &one, sizeof one);
    backoff_cv_.notify_all();
  }

  [[nodiscard]] const WorkerPlan& plan() const { return plan_; }

  WorkerStatus Status() const {
    std::lock_guard lock(mu_);
    WorkerStatus s = status_;
    s.name = plan_.name;
    s.drivers = plan_.drivers;
    s.pipelines = plan_.pipelines;
    return s;
  }
  std::vector<DriverInstanceStatus> Drivers() const {
    std::lock_guard lock(mu_);
    std::vector<DriverInstanceStatus> out;
    for (const auto& [id, s] : drivers_) out.push_back(s);
    return out;
  }
  std::vector<PipelineInstanceStatus> Pipelines() const {
    std::lock_guard lock(mu_);
    return pipelines_;
  }

  // Sends `request` and waits for its Reply.
  Result<internal::Reply> Ask(internal::ToWorker request) {
    std::future<internal::Reply> answer;
    std::shared_ptr<Channel> channel;
    {
      std::lock_guard lock(mu_);
      if (!channel_ || !status_.running) {
        return MakeError(Code::kUnavailable, "vision worker {} is not running ({}); retry shortly",
                         plan_.name, status_.last_exit.empty() ? "starting" : status_.last_exit);
      }
      channel = channel_;
      request.set_request_id(++last_request_id_);
      answer = pending_[request.request_id()].get_future();
    }
    if (auto s = channel->Send(request); !s) return std::unexpected(s.error());
    if (answer.wait_for(options_.request_timeout) != std::future_status::ready) {
      std::lock_guard lock(mu_);
      pending_.erase(request.request_id());
      return MakeError(Code::kDeadlineExceeded, "vision worker {} did not answer within {} ms",
                       plan_.name, options_.request_timeout.count());
    }
    internal::Reply reply = answer.get();
    if (reply.code() != 0) {
      return MakeError(static_cast<Code>(reply.code()), "{}", reply.message());
    }
    return reply;
  }

 private:
  bool Stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void Run() {
    milliseconds delay = options_.backoff_initial;
    std::mt19937 jitter(std::random_device{}());
    while (!Stopping()) {
      const auto started = steady_clock::now();
      const std::string reason = RunOnce();
      if (Stopping()) break;
      if (steady_clock::now() - started >= options_.stable_after) delay = options_.backoff_initial;
      // Up to a quarter less, so workers that died together do not return together.
      const auto wait = milliseconds(
          delay.count() - std::uniform_int_distribution<long>(0, delay.count() / 4)(jitter));
      ReportLoss(fmt::format("vision worker {} {}; restarting in {} ms", plan_.name, reason,
                             wait.count()));
      std::unique_lock lock(mu_);
      backoff_cv_.wait_for(lock, wait, [this] { return stopping_; });
      delay = std::min(delay * 2, options_.backoff_max);
    }
    std::lock_guard lock(mu_);
    for (auto& [id, s] : drivers_) {
      s.state = v1::COMPONENT_STATE_STOPPED;
      s.reason = "stopped";
    }
  }

  // Runs one worker process to its end; returns why it ended.
  std::string RunOnce() {
    auto child = Spawn(options_.worker_path, plan_.name);
    if (!child) return fmt::format("could not start: {}", child.error().message());
    const timeval timeout{
        static_cast<time_t>(options_.heartbeat_timeout.count() / 1000),
        static_cast<suseconds_t>(options_.heartbeat_timeout.count() % 1000 * 1000)};
    ::setsockopt(child->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    // The last holder closes the descriptor: an Ask() that took the channel
    // just before this worker ended may still send on it, and must meet the
    // shut-down socket, not whatever file reuses its number.
    auto channel = std::shared_ptr<Channel>(new Channel(child->fd), [](Channel* c) {
      ::close(c->fd());
      delete c;
    });
    {
      std::lock_guard lock(mu_);
      channel_ = channel;
      status_.pid = child->pid;
    }
    StderrRelay relay(plan_.name, StderrRelay::Limits{});
    std::string reason = Talk(*channel, child->err_fd.get(), relay);
    const bool stopped = Stopping();
    ::shutdown(child->fd, SHUT_RDWR);
    const int status =
        Reap(child->pid, stopped ? options_.stop_timeout : milliseconds(0), !reason.empty());
    // What it wrote before it ended (a crash's last words) is still logged.
    RelayStderr(child->err_fd.get(), relay);
    relay.Finish(steady_clock::now());
    child->err_fd.Reset();
    {
      std::lock_guard lock(mu_);
      channel_.reset();
      status_.running = false;
      status_.pid = 0;
      for (auto& [id, promise] : pending_) {
        internal::Reply reply;
        reply.set_code(static_cast<int>(Code::kUnavailable));
        reply.set_message(fmt::format("vision worker {} ended while answering", plan_.name));
        promise.set_value(reply);
      }
      pending_.clear();
    }
    channel.reset();
    if (reason.empty()) reason = ExitReason(status);
    {
      std::lock_guard lock(mu_);
      status_.last_exit = reason;
      if (!stopped) ++status_.restarts;
    }
    if (!stopped) spdlog::warn("vision worker {} (pid {}) {}", plan_.name, child->pid, reason);
    return reason;
  }

  // Waits for the worker's exit; after `grace`, or at once when `kill_now`,
  // kills it. Always reaps.
  static int Reap(pid_t pid, milliseconds grace, bool kill_now) {
    if (kill_now) ::kill(pid, SIGKILL);
    const auto deadline = steady_clock::now() + grace;
    int status = 0;
    while (true) {
      const pid_t got = ::waitpid(pid, &status, grace.count() > 0 ? WNOHANG : 0);
      if (got == pid) return status;
      if (got < 0 && errno != EINTR) return 0;
      if (got == 0) {
        if (steady_clock::now() >= deadline) {
          ::kill(pid, SIGKILL);
          grace = milliseconds(0);
        } else {
          std::this_thread::sleep_for(milliseconds(20));
        }
      }
    }
  }

  // Sends Start and handles what the worker sends until it ends, the heartbeat
  // times out, or a stop is asked. Returns a reason for kills ("" when the
  // worker ended by itself or on request).
  std::string Talk(Channel& channel, int err_fd, StderrRelay& relay) {
    internal::ToWorker start;
    internal::Start* s = start.mutable_start();
    s->set_protocol_version(kProtocolVersion);
    s->set_group(plan_.name);
    *s->mutable_config() = plan_.config;
    *s->mutable_sandbox() = plan_.sandbox;
    s->set_heartbeat_interval_ms(static_cast<std::uint32_t>(options_.heartbeat_interval.count()));
    if (!channel.Send(start)) return {};
    const auto spawned = steady_clock::now();
    auto last = spawned;
    bool started = false;  // Hello received
    std::optional<steady_clock::time_point> stop_deadline;
    while (true) {
      if (!stop_deadline && Stopping()) {
        // Asked to stop: the worker stops its drivers, whose last statuses
        // are still journaled, then closes its end.
        internal::ToWorker stop;
        stop.mutable_stop();
        if (!channel.Send(stop)) return {};
        stop_deadline = steady_clock::now() + options_.stop_timeout;
      }
      const auto until = stop_deadline ? *stop_deadline
                         : started     ? last + options_.heartbeat_timeout
                                       : spawned + options_.startup_timeout;
      const int ms = static_cast<int>(std::max<long>(
          0, std::chrono::duration_cast<milliseconds>(until - steady_clock::now()).count()));
      const auto wake_events = static_cast<short>(stop_deadline ? 0 : POLLIN);
      pollfd fds[3] = {
          {channel.fd(), POLLIN, 0}, {wake_fd_.get(), wake_events, 0}, {err_fd, POLLIN, 0}};
      const int n = ::poll(fds, 3, ms);
      if (n < 0 && errno == EINTR) continue;
      relay.Tick(steady_clock::now());
      if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !RelayStderr(err_fd, relay)) {
        err_fd = -1;  // closed by the worker: poll ignores a negative descriptor
      }
      if (n > 0 && fds[0].revents == 0 && fds[1].revents == 0) continue;
      if (n == 0) {
        if (stop_deadline) return {};
        if (!started) {
          return fmt::format("did not start within {} s (killed)",
                             options_.startup_timeout.count() / 1000);
        }
        return fmt::format("sent no heartbeat for {} s (killed)",
                           options_.heartbeat_timeout.count() / 1000);
      }
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      internal::FromWorker message;
      if (auto r = channel.Receive(&message); !r) {
        if (r.error().code() == Code::kInvalidArgument) return "sent a malformed message (killed)";
        if (r.error().code() == Code::kNotFound) return {};
        return fmt::format("channel failed: {} (killed)", r.error().message());
      }
      last = steady_clock::now();
      started = started || message.has_hello();
      if (std::string refused = Handle(std::move(message)); !refused.empty()) return refused;
    }
  }

  // Reads what the worker's stderr holds now into the relay; false once it
  // is closed (or was already).
  static bool RelayStderr(int err_fd, StderrRelay& relay) {
    if (err_fd < 0) return false;
    char buf[4096];
    while (true) {
      const ssize_t got = ::read(err_fd, buf, sizeof buf);
      if (got > 0) {
        relay.Feed(std::string_view(buf, static_cast<std::size_t>(got)), steady_clock::now());
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      return got < 0 && errno == EAGAIN;
    }
  }

  // "" when fine, else why the worker is killed.
  std::string Handle(internal::FromWorker message) {
    switch (message.body_case()) {
      case internal::FromWorker::kHello: {
        const internal::Hello& h = message.hello();
        if (h.protocol_version() != kProtocolVersion) {
          return fmt::format("speaks worker protocol {}, not {} (killed)", h.protocol_version(),
                             kProtocolVersion);
        }
        std::lock_guard lock(mu_);
        status_.running = true;
        status_.landlock_abi = h.landlock_abi();
        status_.seccomp = h.seccomp();
        spdlog::info("vision worker {} running (pid {}, landlock ABI {}, seccomp {}){}", plan_.name,
                     h.pid(), h.landlock_abi(), h.seccomp() ? "on" : "off",
                     h.sandbox_warning().empty() ? "" : "; " + h.sandbox_warning());
        return {};
      }
      case internal::FromWorker::kEvent:
        Journal(std::move(*message.mutable_event()));
        return {};
      case internal::FromWorker::kHeartbeat:
        Beat(message.heartbeat());
        return {};
      case internal::FromWorker::kReply: {
        std::lock_guard lock(mu_);
        auto it = pending_.find(message.request_id());
        if (it != pending_.end()) {
          it->second.set_value(std::move(*message.mutable_reply()));
          pending_.erase(it);
        }
        return {};
      }
      default:
        return "sent a message of no known kind (killed)";
    }
  }

  void Journal(v1::Event event) {
    if (std::string refused = AdmitEvent(own_, &event); !refused.empty()) {
      spdlog::warn("vision worker {}: refused {}", plan_.name, refused);
      return;
    }
    // The worker may not query the kernel's clock discipline (its sandbox
    // refuses adjtimex), so the core states the clock's provenance, as read
    // within milliseconds of the capture.
    if (event.capture_time().clock_state() == v1::CLOCK_STATE_UNSPECIFIED) {
      const clock::SyncInfo sync = clock_.Sync();
      event.mutable_capture_time()->set_clock_state(sync.state);
      event.mutable_capture_time()->set_max_error_us(sync.max_error_us);
    }
    std::uint32_t restarts = 0;
    {
      std::lock_guard lock(mu_);
      restarts = status_.restarts;
    }
    if (event.has_driver_status()) {
      v1::DriverStatus* d = event.mutable_driver_status();
      d->set_restarts(d->restarts() + restarts);
    }
    if (auto s = sink_.Emit(std::move(event)); !s) {
      spdlog::warn("vision worker {}: journal refused an event: {}", plan_.name, s.error());
    }
  }

  void Beat(const internal::Heartbeat& beat) {
    std::lock_guard lock(mu_);
    status_.rss_bytes = beat.rss_bytes();
    for (const auto& d : beat.drivers()) {
      auto it = drivers_.find(d.id());
      if (it == drivers_.end()) continue;
      DriverInstanceStatus& s = it->second;
      s.state = d.state();
      s.reason = d.reason();
      s.restarts = d.restarts() + status_.restarts;
      s.readings = d.readings();
      s.frames = d.frames();
      s.rejected = d.rejected();
      s.sink_errors = d.sink_errors();
    }
    pipelines_.clear();
    for (const auto& p : beat.pipelines()) {
      if (!own_.contains(p.id())) continue;
      pipelines_.push_back({p.id(), p.type(), p.samples(), p.frames(), p.frames_dropped()});
    }
  }

  // Every driver of the worker goes offline with `reason`, as a DriverStatus
  // event each.
  void ReportLoss(const std::string& reason) {
    std::vector<v1::Event> events;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, s] : drivers_) {
        v1::Event e;
        e.set_source(id);
        *e.mutable_capture_time() = clock_.Now();
        e.set_priority(v1::PRIORITY_CLASS_HEALTH);
        v1::DriverStatus* d = e.mutable_driver_status();
        d->set_instance(id);
        d->set_type(s.type);
        d->set_previous_state(s.state);
        d->set_state(v1::COMPONENT_STATE_OFFLINE);
        d->set_reason(reason);
        d->set_restarts(status_.restarts);
        s.state = v1::COMPONENT_STATE_OFFLINE;
        s.reason = reason;
        s.restarts = status_.restarts;
        events.push_back(std::move(e));
      }
    }
    for (auto& e : events) {
      if (auto s = sink_.Emit(std::move(e)); !s) {
        spdlog::warn("vision worker {}: journal refused a driver status: {}", plan_.name,
                     s.error());
      }
    }
  }

  const WorkerPlan plan_;
  std::set<std::string, std::less<>> own_;  // driver and pipeline ids
  EventSink& sink_;
  const clock::Clock& clock_;
  const SupervisorOptions& options_;
  const UniqueFd wake_fd_;

  mutable std::mutex mu_;
  std::condition_variable backoff_cv_;
  bool stopping_ = false;
  std::shared_ptr<Channel> channel_;
  WorkerStatus status_;
  std::map<std::string, DriverInstanceStatus, std::less<>> drivers_;
  std::vector<PipelineInstanceStatus> pipelines_;
  std::uint64_t last_request_id_ = 0;
  std::map<std::uint64_t, std::promise<internal::Reply>> pending_;
  std::thread thread_;
};

Supervisor::Supervisor(EventSink& sink, const clock::Clock& clock, SupervisorOptions options)
    : sink_(sink), clock_(clock), options_(std::move(options)) {}

Supervisor::~Supervisor() { StopAll(); }

void Supervisor::Apply(const std::vector<WorkerPlan>& plans) {
  using google::protobuf::util::MessageDifferencer;
  std::map<std::string, std::shared_ptr<Worker>, std::less<>> next;
  std::vector<std::shared_ptr<Worker>> retired;
  std::lock_guard lock(mu_);
  for (const WorkerPlan& plan : plans) {
    auto it = workers_.find(plan.name);
    if (it != workers_.end() &&
        MessageDifferencer::Equals(it->second->plan().config, plan.config) &&
        MessageDifferencer::Equals(it->second->plan().sandbox, plan.sandbox)) {
      next.emplace(plan.name, it->second);
      workers_.erase(it);
      continue;
    }
    if (it != workers_.end()) {
      retired.push_back(it->second);
      workers_.erase(it);
    }
  }
  for (auto& [name, w] : workers_) retired.push_back(w);
  for (auto& w : retired) w->Stop();
  retired.clear();  // joins: every retired worker has exited and been reaped
  for (const WorkerPlan& plan : plans) {
    if (!next.contains(plan.name)) {
      next.emplace(plan.name, std::make_shared<Worker>(plan, sink_, clock_, options_));
    }
  }
  workers_ = std::move(next);
}

void Supervisor::StopAll() {
  std::map<std::string, std::shared_ptr<Worker>, std::less<>> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& [name, w] : workers) w->Stop();
}

std::vector<DriverInstanceStatus> Supervisor::Drivers() const {
  std::lock_guard lock(mu_);
  std::vector<DriverInstanceStatus> out;
  for (const auto& [name, w] : workers_) {
    auto d = w->Drivers();
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

std::vector<PipelineInstanceStatus> Supervisor::Pipelines() const {
  std::lock_guard lock(mu_);
  std::vector<PipelineInstanceStatus> out;
  for (const auto& [name, w] : workers_) {
    auto p = w->Pipelines();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

std::vector<WorkerStatus> Supervisor::Workers() const {
  std::lock_guard lock(mu_);
  std::vector<WorkerStatus> out;
  for (const auto& [name, w] : workers_) out.push_back(w->Status());
  return out;
}

std::shared_ptr<Worker> Supervisor::WorkerOf(std::string_view instance) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, w] : workers_) {
    const auto& d = w->plan().drivers;
    if (std::find(d.begin(), d.end(), instance) != d.end()) return w;
  }
  return nullptr;
}

bool Supervisor::RunsDriver(std::string_view instance) const {
  return WorkerOf(instance) != nullptr;
}

Result<std::string> Supervisor::Snapshot(const std::string& instance, std::uint32_t max_width) {
  auto worker = WorkerOf(instance);
  if (!worker) return MakeError(Code::kNotFound, "no vision worker runs {}", instance);
  internal::ToWorker request;
  request.mutable_snapshot()->set_instance(instance);
  request.mutable_snapshot()->set_max_width(max_width);
  auto reply = worker->Ask(std::move(request));
  if (!reply) return std::unexpected(reply.error());
  return std::move(*reply->mutable_jpeg());
}

Result<std::vector<v1::Event>> Supervisor::ReadNow(const std::string& instance) {
  auto worker = WorkerOf(instance);
  if (!worker) return MakeError(Code::kNotFound, "no vision worker runs {}", instance);
  internal::ToWorker request;
  request.mutable_read()->set_instance(instance);
  auto reply = worker->Ask(std::move(request));
  if (!reply) return std::unexpected(reply.error());
  return std::vector<v1::Event>(reply->readings().begin(), reply->readings().end());
}

Status Supervisor::RestartDriver(const std::string& instance) {
  auto worker = WorkerOf(instance);
  if (!worker) return MakeError(Code::kNotFound, "no vision worker runs {}", instance);
  internal::ToWorker request;
  request.mutable_restart_driver()->set_instance(instance);
  auto reply = worker->Ask(std::move(request));
  if (!reply) return std::unexpected(reply.error());
  return OkStatus();
}

}  // namespace cityedge::vision
