// SPDX-License-Identifier: Apache-2.0
// Built when libcivetweb-dev was not found (e.g. a cross sysroot without it):
// the metrics stay available through `cityedge metrics`.
#include "daemon/health/metrics_server.hpp"

namespace cityedge::health {

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                            MetricsRenderer) {
  return MakeError(Code::kUnimplemented,
                   "health.metrics_listen {}: this build has no HTTP server for metrics (built "
                   "without libcivetweb-dev); use `cityedge metrics`, or leave it empty",
                   listen);
}

}  // namespace cityedge::health
