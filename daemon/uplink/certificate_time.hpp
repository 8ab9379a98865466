// SPDX-License-Identifier: Apache-2.0
// The time at which the broker's certificate is checked. A box without a
// battery-backed RTC boots at 1970; every certificate is then "not yet
// valid" and the uplink could not connect until NTP answered, which it may
// only reach through that uplink. While the wall clock reads earlier than the
// last known good time (the clock floor), certificates are checked at the
// floor instead: a certificate valid then is accepted, one that had expired
// by then is still refused.
#pragma once

#include <cstdint>
#include <optional>

#include "daemon/core/status.hpp"

namespace cityedge::uplink {

// The check time to use given the wall clock and the floor (both ns since the
// Unix epoch): the floor in seconds when the wall clock is below it, nullopt
// (the wall clock) otherwise.
[[nodiscard]] std::optional<std::int64_t> CertificateCheckTime(
    std::int64_t wall_unix_ns, std::optional<std::int64_t> floor_unix_ns);

// Makes every X.509 verification in this process check validity periods at
// `unix_seconds`, or at the wall clock again for nullopt. OpenSSL contexts
// are created inside Paho, out of reach, so this sets the process's default
// verification parameters, which every verification inherits.
// THREADING: call only while no TLS handshake runs (the uplink calls it from
// its worker, before it connects); calls serialise among themselves.
// Fails only when OpenSSL cannot allocate; the wall clock is then used.
[[nodiscard]] Status SetCertificateCheckTime(std::optional<std::int64_t> unix_seconds);

}  // namespace cityedge::uplink
