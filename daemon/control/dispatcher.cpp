// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/dispatcher.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cityedge::control {
namespace {

void AddFields(const Fields& fields, v1::CommandReply* reply) {
  for (const auto& [key, value] : fields) {
    auto* kv = reply->add_fields();
    kv->set_key(key);
    kv->set_value(value);
  }
}

void AddField(v1::CommandReply* reply, std::string key, std::string value) {
  auto* kv = reply->add_fields();
  kv->set_key(std::move(key));
  kv->set_value(std::move(value));
}

v1::CommandReply Failed(const std::string& id, const Error& error) {
  return MakeReply(id, ReplyCodeOf(error), error.message());
}

// Rows are flattened as "<id>.<column>" so one reply shape serves every list;
// the CLI rebuilds the table.
void AddDriverRows(const std::vector<DriverInstanceStatus>& rows, v1::CommandReply* reply) {
  for (const auto& r : rows) {
    AddField(reply, r.id + ".type", r.type);
    AddField(reply, r.id + ".state", v1::ComponentState_Name(r.state));
    AddField(reply, r.id + ".reason", r.reason);
    AddField(reply, r.id + ".restarts", std::to_string(r.restarts));
    AddField(reply, r.id + ".readings", std::to_string(r.readings));
    AddField(reply, r.id + ".frames", std::to_string(r.frames));
    AddField(reply, r.id + ".rejected", std::to_string(r.rejected));
  }
}

void AddPipelineRows(const std::vector<PipelineInstanceStatus>& rows, v1::CommandReply* reply) {
  for (const auto& r : rows) {
    AddField(reply, r.id + ".type", r.type);
    AddField(reply, r.id + ".samples", std::to_string(r.samples));
    AddField(reply, r.id + ".frames", std::to_string(r.frames));
    AddField(reply, r.id + ".frames_dropped", std::to_string(r.frames_dropped));
  }
}

}  // namespace

bool IsMutating(v1::Command::OpCase op) {
  switch (op) {
    case v1::Command::kConfigApply:
    case v1::Command::kReplay:
    case v1::Command::kRebirth:
    case v1::Command::kRestartDriver:
      return true;
    default:
      return false;
  }
}

std::string_view OpName(v1::Command::OpCase op) {
  if (op == v1::Command::OP_NOT_SET) return "unset";
  const auto* field = v1::Command::descriptor()->FindFieldByNumber(static_cast<int>(op));
  return field != nullptr ? std::string_view(field->name()) : std::string_view("unknown");
}

v1::CommandReply MakeReply(const std::string& id, v1::ReplyCode code, std::string message) {
  v1::CommandReply reply;
  reply.set_id(id);
  reply.set_code(code);
  reply.set_message(std::move(message));
  return reply;
}

v1::ReplyCode ReplyCodeOf(const Error& error) {
  switch (error.code()) {
    case Code::kInvalidArgument:
      return v1::REPLY_CODE_INVALID;
    case Code::kNotFound:
      return v1::REPLY_CODE_NOT_FOUND;
    case Code::kPermissionDenied:
      return v1::REPLY_CODE_PERMISSION_DENIED;
    case Code::kUnauthenticated:
      return v1::REPLY_CODE_UNAUTHENTICATED;
    default:
      return v1::REPLY_CODE_FAILED;
  }
}

v1::CommandReply Dispatcher::Handle(const v1::Command& command, const Caller& caller) {
  const v1::Command::OpCase op = command.op_case();
  if (op == v1::Command::OP_NOT_SET) {
    return MakeReply(command.id(), v1::REPLY_CODE_INVALID,
                     "the command names no operation, or one this gateway does not know; "
                     "update the sender or this gateway to the same command.proto");
  }
  if (IsMutating(op) && !caller.may_mutate) {
    return MakeReply(command.id(), v1::REPLY_CODE_PERMISSION_DENIED,
                     fmt::format("{} changes the gateway and needs root or the control admin "
                                 "group; {} may only run read-only commands",
                                 OpName(op), caller.name));
  }
  if (op == v1::Command::kTail && caller.transport != Caller::Transport::kSocket) {
    return MakeReply(command.id(), v1::REPLY_CODE_INVALID,
                     "tail streams events and is served only on the control socket; the "
                     "platform already receives every event on the events topics");
  }
  v1::CommandReply reply = Run(command);
  reply.set_id(command.id());
  if (IsMutating(op)) {
    spdlog::info("control: {} by {}: {} {}", OpName(op), caller.name,
                 v1::ReplyCode_Name(reply.code()), reply.message());
  }
  return reply;
}

v1::CommandReply Dispatcher::Run(const v1::Command& command) {
  const std::string& id = command.id();
  v1::CommandReply reply = MakeReply(id, v1::REPLY_CODE_OK, "ok");
  switch (command.op_case()) {
    case v1::Command::kStatus:
      AddFields(backend_.StatusFields(), &reply);
      return reply;
    case v1::Command::kDrivers:
      AddDriverRows(backend_.Drivers(), &reply);
      return reply;
    case v1::Command::kPipelines:
      AddPipelineRows(backend_.Pipelines(), &reply);
      return reply;
    case v1::Command::kBacklog:
      AddFields(backend_.Backlog(), &reply);
      return reply;
    case v1::Command::kRead: {
      auto events = backend_.ReadNow(command.read().instance());
      if (!events) return Failed(id, events.error());
      for (auto& e : *events) *reply.add_events() = std::move(e);
      reply.set_message(
          fmt::format("{} reading(s) from {}", events->size(), command.read().instance()));
      return reply;
    }
    case v1::Command::kSnapshot: {
      auto jpeg = backend_.Snapshot(command.snapshot().instance(), command.snapshot().max_width());
      if (!jpeg) return Failed(id, jpeg.error());
      reply.set_message(fmt::format("{} bytes of JPEG, faces and people pixelated", jpeg->size()));
      reply.set_jpeg(std::move(*jpeg));
      return reply;
    }
    case v1::Command::kConfigCheck: {
      auto hash = backend_.CheckConfig(command.config_check().yaml());
      if (!hash) return Failed(id, hash.error());
      reply.set_message("config is valid");
      AddField(&reply, "config_hash", *hash);
      return reply;
    }
    case v1::Command::kConfigShow: {
      auto [yaml, hash] = backend_.CurrentConfig();
      reply.set_yaml(std::move(yaml));
      AddField(&reply, "config_hash", hash);
      return reply;
    }
    case v1::Command::kConfigApply: {
      const auto& apply = command.config_apply();
      auto hash = backend_.ApplyConfig(apply.yaml(), apply.expected_current_hash());
      if (!hash) return Failed(id, hash.error());
      reply.set_message("config applied and running");
      AddField(&reply, "config_hash", *hash);
      return reply;
    }
    case v1::Command::kReplay: {
      auto plan = backend_.Replay(command.replay());
      if (!plan) return Failed(id, plan.error());
      reply.set_message(fmt::format("replaying {} event(s), flagged historical", plan->events));
      AddField(&reply, "events", std::to_string(plan->events));
      AddField(&reply, "first_seq", std::to_string(plan->first_seq));
      AddField(&reply, "last_seq", std::to_string(plan->last_seq));
      AddField(&reply, "missing", std::to_string(plan->missing));
      return reply;
    }
    case v1::Command::kRebirth:
      if (auto s = backend_.Rebirth(); !s) return Failed(id, s.error());
      reply.set_message("birth message queued");
      return reply;
    case v1::Command::kRestartDriver:
      if (auto s = backend_.RestartDriver(command.restart_driver().instance()); !s) {
        return Failed(id, s.error());
      }
      reply.set_message(fmt::format("driver {} restarted", command.restart_driver().instance()));
      return reply;
    case v1::Command::kMetrics: {
      auto text = backend_.MetricsText();
      if (!text) return Failed(id, text.error());
      reply.set_text(std::move(*text));
      return reply;
    }
    case v1::Command::kRecentValues:
      for (auto& series : backend_.RecentValues(command.recent_values().seconds())) {
        *reply.add_series() = std::move(series);
      }
      return reply;
    case v1::Command::kTail:
    case v1::Command::OP_NOT_SET:
      break;
  }
  return MakeReply(id, v1::REPLY_CODE_INVALID, "operation not served here");
}

}  // namespace cityedge::control
