// SPDX-License-Identifier: Apache-2.0
// `cityedge doctor`: the checks a field engineer runs on a box, each with a
// verdict and the next step in plain words. The judging is pure (snapshots
// and facts in, checks out) so tests can feed it any fault; main.cpp gathers
// the facts from the daemon and the file system.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/snapshot.hpp"

namespace cityedge::cli {

enum class Verdict { kOk, kWarn, kFail };  // kFail: a person must act

struct Check {
  std::string name;  // "uplink", "driver t1", ...
  Verdict verdict = Verdict::kOk;
  std::string finding;    // what is so
  std::string next_step;  // what to do; empty when nothing
};

// The config file on disk compared with the running one.
struct ConfigFacts {
  std::string path;
  std::string read_error;   // the file could not be read
  std::string check_error;  // the daemon found it invalid (every problem, one a line)
  std::string file_hash;    // valid: its hash
  std::string running_hash;
};

// The control socket as stat(2) sees it.
struct SocketFacts {
  std::string path;
  std::string stat_error;
  unsigned mode = 0;  // permission bits
  bool is_socket = false;
  std::string owner;
  std::string group;
};

struct DoctorFacts {
  std::optional<Snapshot> first;   // nullopt: the daemon could not be asked
  std::optional<Snapshot> second;  // a few seconds later, for rates
  std::string daemon_error;
  std::optional<ConfigFacts> config;
  SocketFacts socket;
};

[[nodiscard]] std::vector<Check> Diagnose(const DoctorFacts& facts);

// The uplink verdict from status's `uplink` and `uplink_last_error` fields:
// names DNS, refused, unreachable, TLS (expired, not yet valid, unknown CA,
// wrong host), credentials and ACL refusals with their reason codes.
[[nodiscard]] Check UplinkCheck(const std::string& uplink, const std::string& last_error,
                                const std::string& clock_state);

// Text for people; JSON for scripts ({"healthy":..,"checks":[..]}).
[[nodiscard]] std::string DoctorText(const std::vector<Check>& checks);
[[nodiscard]] std::string DoctorJson(const std::vector<Check>& checks);
[[nodiscard]] bool NeedsPerson(const std::vector<Check>& checks);

}  // namespace cityedge::cli
