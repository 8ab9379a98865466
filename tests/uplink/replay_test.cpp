// SPDX-License-Identifier: Apache-2.0
// Replay planning against a real SQLite journal, and the sender's batches,
// retries and progress against an uplink that records what it is given.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/replay.hpp"
#include "tests/support/process.hpp"

namespace cityedge::uplink {
namespace {

constexpr std::int64_t kBase = 1'700'000'000'000'000'000;

using ::cityedge::testing::TempDir;

// A journal of `n` events, seq i captured at kBase + i seconds; every third
// one an alarm, the rest telemetry.
std::unique_ptr<journal::Journal> Filled(const TempDir& dir, int n) {
  v1::JournalConfig config = config::WithDefaults(v1::JournalConfig());
  config.set_path(dir.Join("journal.db"));
  config.set_min_free_disk(0);
  config.set_max_age_ms(0);
  config.set_commit_interval_ms(2);
  auto journal = journal::Open(config, clock::Default());
  REQUIRE(journal.has_value());
  for (int i = 1; i <= n; ++i) {
    v1::Event e;
    e.set_source("t1");
    e.set_priority(i % 3 == 0 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY);
    e.mutable_capture_time()->set_wall_unix_ns(kBase + i * 1'000'000'000LL);
    e.mutable_reading()->set_value(i);
    REQUIRE((*journal)->Emit(e));
  }
  REQUIRE((*journal)->Flush(30'000));
  return std::move(*journal);
}

v1::ReplayRequest Seqs(std::uint64_t first, std::uint64_t last) {
  v1::ReplayRequest r;
  r.set_first_seq(first);
  r.set_last_seq(last);
  return r;
}

v1::ReplayRequest Seconds(std::int64_t from, std::int64_t to) {
  v1::ReplayRequest r;
  r.set_from_unix_ns(kBase + from * 1'000'000'000LL);
  r.set_to_unix_ns(kBase + to * 1'000'000'000LL);
  return r;
}

std::string Refusal(journal::Journal& journal, const v1::ReplayRequest& request) {
  ReplayPlan plan;
  auto events = PlanReplay(journal, request, &plan);
  if (events) return "accepted";
  CHECK(events.error().code() == Code::kInvalidArgument);
  return events.error().message();
}

TEST_CASE("A replay request names one range, not empty, not inverted, not too long") {
  TempDir dir;
  auto journal = Filled(dir, 5);
  v1::ReplayRequest both = Seqs(1, 2);
  both.set_to_unix_ns(kBase);
  CHECK_THAT(Refusal(*journal, both), Catch::Contains("not both"));
  CHECK_THAT(Refusal(*journal, v1::ReplayRequest()), Catch::Contains("not neither"));
  CHECK_THAT(Refusal(*journal, Seqs(0, 3)), Catch::Contains("starts at 0"));
  CHECK_THAT(Refusal(*journal, Seqs(4, 3)), Catch::Contains("4..3 is empty"));
  CHECK_THAT(Refusal(*journal, Seqs(1, kMaxReplayEvents + 1)),
             Catch::Contains("above the 100000 a replay may hold"));
  CHECK_THAT(Refusal(*journal, Seconds(3, 2)), Catch::Contains("ends before it starts"));
  CHECK(Refusal(*journal, Seqs(1, kMaxReplayEvents)) == "accepted");
}

TEST_CASE("A seq range plans the events still held and counts the missing seqs") {
  TempDir dir;
  auto journal = Filled(dir, 10);
  ReplayPlan plan;
  auto events = PlanReplay(*journal, Seqs(8, 14), &plan);
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 3);
  CHECK(plan.events == 3);
  CHECK(plan.first_seq == 8);
  CHECK(plan.last_seq == 10);
  CHECK(plan.missing == 4);
}

TEST_CASE("A capture-time range plans the events captured in it, edges included") {
  TempDir dir;
  auto journal = Filled(dir, 10);
  ReplayPlan plan;
  auto events = PlanReplay(*journal, Seconds(3, 6), &plan);
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 4);
  CHECK(plan.first_seq == 3);
  CHECK(plan.last_seq == 6);
  CHECK(plan.missing == 0);
  ReplayPlan none;
  events = PlanReplay(*journal, Seconds(11, 20), &none);
  REQUIRE(events.has_value());
  CHECK(events->empty());
  CHECK(none.events == 0);
}

// Records replays; refuses the first `refuse` of them, as a disconnected
// uplink does.
class RecordingUplink final : public Uplink {
 public:
  explicit RecordingUplink(int refuse) : refuse_(refuse) {}
  Status Start() override { return OkStatus(); }
  void Stop(std::chrono::milliseconds) override {}
  UplinkStats GetStats() const override { return {}; }
  void SetCommandHandler(CommandHandler) override {}
  void SetTimeFloor(TimeFloor) override {}
  Status PublishReply(const InboundCommand&, std::string) override { return OkStatus(); }
  void RequestRebirth() override {}
  Status PublishReplay(v1::PriorityClass priority,
                       std::vector<journal::LeasedEvent> events) override {
    std::lock_guard lock(mu_);
    if (refuse_ > 0) {
      --refuse_;
      ++refused_;
      return MakeError(Code::kUnavailable, "uplink not connected");
    }
    std::vector<std::uint64_t> seqs;
    for (const auto& e : events) seqs.push_back(e.seq);
    batches_.emplace_back(priority, std::move(seqs));
    return OkStatus();
  }
  [[nodiscard]] auto batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  [[nodiscard]] int refused() const {
    std::lock_guard lock(mu_);
    return refused_;
  }

 private:
  mutable std::mutex mu_;
  int refuse_;
  int refused_ = 0;
  std::vector<std::pair<v1::PriorityClass, std::vector<std::uint64_t>>> batches_;
};

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 1000 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST_CASE("The replayer sends consecutive events of one class per batch, again after a refusal") {
  TempDir dir;
  auto journal = Filled(dir, 7);
  RecordingUplink uplink(1);
  Replayer replayer(*journal, uplink);
  v1::ReplayRequest request = Seqs(1, 7);
  request.set_rate_per_s(1000);
  auto plan = replayer.Start(request);
  REQUIRE(plan.has_value());
  CHECK(plan->events == 7);
  CHECK(replayer.Progress().total == 7);
  REQUIRE(WaitUntil([&] { return !replayer.Progress().running; }));
  CHECK(uplink.refused() == 1);
  using Batch = std::pair<v1::PriorityClass, std::vector<std::uint64_t>>;
  CHECK(uplink.batches() == std::vector<Batch>{{v1::PRIORITY_CLASS_TELEMETRY, {1, 2}},
                                               {v1::PRIORITY_CLASS_ALARM, {3}},
                                               {v1::PRIORITY_CLASS_TELEMETRY, {4, 5}},
                                               {v1::PRIORITY_CLASS_ALARM, {6}},
                                               {v1::PRIORITY_CLASS_TELEMETRY, {7}}});
  CHECK(replayer.Progress().sent == 7);
  // Nothing left in the range: refused with kNotFound.
  auto gone = replayer.Start(Seqs(100, 120));
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().code() == Code::kNotFound);
}

TEST_CASE("One replay at a time; Stop ends the one in progress and refuses more") {
  TempDir dir;
  auto journal = Filled(dir, 20);
  RecordingUplink uplink(0);
  Replayer replayer(*journal, uplink);
  v1::ReplayRequest slow = Seqs(1, 20);
  slow.set_rate_per_s(1);  // a batch of one event a second
  REQUIRE(replayer.Start(slow).has_value());
  CHECK(replayer.Progress().running);
  auto second = replayer.Start(Seqs(1, 2));
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == Code::kFailedPrecondition);
  replayer.Stop();
  CHECK_FALSE(replayer.Progress().running);
  CHECK(replayer.Progress().sent < 20);
  auto after = replayer.Start(Seqs(1, 2));
  REQUIRE_FALSE(after.has_value());
  CHECK(after.error().code() == Code::kUnavailable);
}

}  // namespace
}  // namespace cityedge::uplink
