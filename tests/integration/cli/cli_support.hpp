// SPDX-License-Identifier: Apache-2.0
// The bench the CLI integration tests share: a config for the real cityedged
// (two replay drivers feeding a threshold pipeline), the cityedge CLI run
// against its control socket, and `cityedge doctor`.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/support/process.hpp"

namespace cityedge::testing::cli_it {

// A gateway config: `broker` URI, `tls` lines under uplink (or ""), `drivers`
// list items; control socket in `dir`, journal.db in the working directory.
[[nodiscard]] std::string Config(const std::string& dir, const std::string& broker,
                                 const std::string& tls, const std::string& drivers);
// Replay drivers t1 and t2 looping over dir/t.csv at 5 rows/s each.
[[nodiscard]] std::string ReplayDrivers(const std::string& dir);

// `cityedge --socket dir/control.sock ARGS...`.
[[nodiscard]] RunResult Cli(const std::string& dir, std::vector<std::string> args);

// Starts the gateway (with `env` added) and waits until its control socket
// answers.
[[nodiscard]] e2e::Gateway StartGateway(const std::string& dir, const std::string& config,
                                        const std::map<std::string, std::string>& env = {});

// Polls `cityedge status` until its output contains `text`.
[[nodiscard]] bool StatusShows(const std::string& dir, const std::string& text,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// `cityedge [--json] doctor --config dir/config.yaml --sample 1`.
[[nodiscard]] RunResult Doctor(const std::string& dir, bool json = false);

// Runs doctor until its text output contains `text` (or the timeout): the last run.
[[nodiscard]] RunResult DoctorUntil(const std::string& dir, const std::string& text,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

[[nodiscard]] int CountOf(const std::string& text, const std::string& part);

}  // namespace cityedge::testing::cli_it
