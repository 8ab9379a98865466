// SPDX-License-Identifier: Apache-2.0
// Test PKI made with the openssl command line: a CA, a server certificate for
// localhost/127.0.0.1, a client certificate, plus the bad cases (a second CA,
// a server certificate for another host name, an expired one).
#pragma once

#include <string>

#include "daemon/core/status.hpp"

namespace cityedge::testing {

struct TestPki {
  std::string ca;           // trusted CA certificate
  std::string other_ca;     // a CA nobody signed with for the broker
  std::string server_cert;  // CN/SAN localhost, 127.0.0.1
  std::string server_key;
  std::string wrong_host_cert;  // SAN wrong.example only
  std::string expired_cert;     // valid in 2020 only
  std::string client_cert;
  std::string client_key;
};

// Writes everything into `dir`. Needs /usr/bin/openssl.
[[nodiscard]] Result<TestPki> MakeTestPki(const std::string& dir);

}  // namespace cityedge::testing
