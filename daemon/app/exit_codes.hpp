// SPDX-License-Identifier: Apache-2.0
// Exit codes of cityedged (sysexits.h values where one fits). systemd's unit
// sets RestartPreventExitStatus=78 so a bad config does not crash-loop.
#pragma once

namespace cityedge::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // could not run (e.g. journal folder unusable)
inline constexpr int kExitUsage = 64;     // EX_USAGE: bad command line
inline constexpr int kExitSoftware = 70;  // EX_SOFTWARE: internal error
inline constexpr int kExitConfig = 78;    // EX_CONFIG: configuration invalid

inline constexpr const char* kVersion = CITYEDGE_VERSION;

}  // namespace cityedge::app
