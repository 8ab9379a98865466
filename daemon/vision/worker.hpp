// SPDX-License-Identifier: Apache-2.0
// The vision worker: one process per group of frame drivers (vision/plan.hpp),
// spawned, confined and supervised by the core (vision/supervisor.hpp).
//
// It receives Start on its channel, confines itself (vision/sandbox.hpp:
// inherited descriptors closed, no_new_privs, Landlock, seccomp) before it
// opens any source, answers Hello, then runs its frame drivers and the
// pipelines that read them exactly as the core runs its own: a DriverHost
// with the vision driver table, a PipelineRouter with the vision pipeline
// table. Every event goes to the core over the channel without a seq (the
// core journals it); frames never leave. A Heartbeat with the drivers',
// pipelines' and process's state goes out every heartbeat interval, and
// snapshot, read and restart-driver requests are answered with a Reply.
#pragma once

namespace cityedge::vision {

// Runs the worker on channel descriptor `fd` until Stop, the core's end
// closing, or a failure to start. Returns the process exit status: 0 after a
// stop, 1 when it could not start (the reason is logged to stderr, which the
// core's journal receives), 2 on a protocol mismatch.
[[nodiscard]] int RunWorker(int fd);

}  // namespace cityedge::vision
