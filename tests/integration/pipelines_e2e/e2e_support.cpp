// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/pipelines_e2e/e2e_support.hpp"

#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace cityedge::testing::e2e {
namespace {

namespace pb = google::protobuf;

// The Struct holds the message as generic JSON; the typed parse goes through
// text again so protobuf's JSON mapping (int64 as strings, enum names)
// applies.
Status StructToMessage(const pb::Value& value, pb::Message* message) {
  std::string json;
  if (!pb::util::MessageToJsonString(value, &json).ok()) {
    return MakeError(Code::kInternal, "cannot re-encode a dump value");
  }
  const auto parsed = pb::util::JsonStringToMessage(json, message);
  if (!parsed.ok()) {
    return MakeError(Code::kInvalidArgument, "dump value is no {}: {}",
                     message->GetDescriptor()->full_name(), parsed.ToString());
  }
  return OkStatus();
}

}  // namespace

Status DumpReader::Poll() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return OkStatus();  // nothing received yet
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Only complete lines: the subscriber may be half way through one.
  const auto last_newline = chunk.rfind('\n');
  if (last_newline == std::string::npos) return OkStatus();
  chunk.resize(last_newline + 1);
  offset_ += chunk.size();
  std::istringstream lines(chunk);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (auto s = ParseLine(line); !s) return s;
  }
  return OkStatus();
}

Status DumpReader::ParseLine(const std::string& line) {
  pb::Struct root;
  if (const auto parsed = pb::util::JsonStringToMessage(line, &root); !parsed.ok()) {
    return MakeError(Code::kInvalidArgument, "dump line is not JSON: {}", line.substr(0, 200));
  }
  const auto& fields = root.fields();
  const auto topic = fields.find("topic");
  if (topic == fields.end()) return MakeError(Code::kInvalidArgument, "dump line has no topic");
  if (const auto state = fields.find("state"); state != fields.end()) {
    v1::GatewayState decoded;
    if (auto s = StructToMessage(state->second, &decoded); !s) return s;
    states_.push_back(std::move(decoded));
    return OkStatus();
  }
  const auto batch_field = fields.find("batch");
  if (batch_field == fields.end()) {
    return MakeError(Code::kInvalidArgument, "dump line holds neither batch nor state");
  }
  v1::EventBatch batch;
  if (auto s = StructToMessage(batch_field->second, &batch); !s) return s;
  for (const v1::Event& event : batch.events()) {
    received_.push_back({topic->second.string_value(), batch.historical(), event});
  }
  return OkStatus();
}

std::vector<ReceivedEvent> DumpReader::Distinct() const {
  std::map<std::uint64_t, const ReceivedEvent*> first;
  for (const ReceivedEvent& r : received_) first.emplace(r.event.seq(), &r);
  std::vector<ReceivedEvent> out;
  out.reserve(first.size());
  for (const auto& [seq, r] : first) out.push_back(*r);
  return out;
}

bool PollUntil(DumpReader& reader, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!reader.Poll()) return false;
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<std::uint64_t> UnaccountedSeqs(const std::vector<ReceivedEvent>& events) {
  std::set<std::uint64_t> seen;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  for (const ReceivedEvent& r : events) {
    seen.insert(r.event.seq());
    if (r.event.has_gap_record()) {
      gaps.emplace_back(r.event.gap_record().first_seq(), r.event.gap_record().last_seq());
    }
  }
  std::vector<std::uint64_t> missing;
  const std::uint64_t max_seq = seen.empty() ? 0 : *seen.rbegin();
  for (std::uint64_t seq = 1; seq <= max_seq; ++seq) {
    if (seen.contains(seq)) continue;
    bool covered = false;
    for (const auto& [first, last] : gaps) covered = covered || (seq >= first && seq <= last);
    if (!covered) missing.push_back(seq);
  }
  return missing;
}

std::string TopicClass(v1::PriorityClass priority) {
  switch (priority) {
    case v1::PRIORITY_CLASS_ALARM:
      return "alarm";
    case v1::PRIORITY_CLASS_DETECTION:
      return "detection";
    case v1::PRIORITY_CLASS_HEALTH:
      return "health";
    case v1::PRIORITY_CLASS_GAP:
      return "gap";
    case v1::PRIORITY_CLASS_TELEMETRY:
      return "telemetry";
    default:
      return "?";
  }
}

Result<Gateway> Gateway::Start(const std::string& work_dir, const std::string& config_yaml,
                               const std::map<std::string, std::string>& env) {
  const std::string config_path = work_dir + "/config.yaml";
  std::ofstream(config_path) << config_yaml;
  const std::string daemon =
      EnvOr("CITYEDGE_DAEMON", EnvOr("CITYEDGE_BINARY_DIR", ".") + "/daemon/app/cityedged");
  const std::string log_path = work_dir + "/cityedged.log";
  // exec keeps the pid, so signals reach cityedged itself (or qemu-user
  // running it, in cross builds: CITYEDGE_EMULATOR).
  SpawnOptions options;
  options.stderr_path = log_path;
  options.env = env;
  auto process = Process::Spawn(
      {"/bin/sh", "-c", "cd \"$0\" && exec ${CITYEDGE_EMULATOR:-} \"$1\" --config \"$2\"", work_dir,
       daemon, config_path},
      options);
  if (!process) return std::unexpected(process.error());
  return Gateway(std::move(*process), log_path);
}

std::optional<int> Gateway::Stop(std::chrono::milliseconds timeout) {
  process_.Signal(SIGTERM);
  return process_.Wait(timeout);
}

std::string Gateway::LogTail(std::size_t bytes) const {
  const std::string all = ReadText(log_path_);
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

int ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  int count = 0;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++count;
  }
  return count;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string TemperatureRampCsv() {
  std::string csv = "timestamp,channel,value,unit\n";
  for (int i = 0; i < 120; ++i) {
    csv +=
        fmt::format("2026-11-28T10:{:02}:{:02}Z,temp,{:.1f},degC\n", i / 60, i % 60, 20 + i * 0.1);
  }
  return csv;
}

}  // namespace cityedge::testing::e2e
