// SPDX-License-Identifier: Apache-2.0
// The two confinement steps of ApplySandbox (sandbox.hpp), apart so each can
// be read on its own. Same contract and threading as ApplySandbox; callers
// outside daemon/vision use ApplySandbox.
#pragma once

#include "daemon/core/status.hpp"
#include "daemon/vision/sandbox.hpp"

namespace cityedge::vision::internal {

// Restricts the calling thread's file system access (landlock.cpp). Leaves
// report.landlock_applied false with a warning when the kernel lacks Landlock;
// fills report.landlock_abi and report.notes. no_new_privs must be set.
[[nodiscard]] Status ApplyLandlock(const SandboxPolicy& policy, SandboxReport& report);

// Loads the seccomp allowlist (seccomp_filter.cpp).
[[nodiscard]] Status ApplySeccomp(const SandboxPolicy& policy);

}  // namespace cityedge::vision::internal
