// SPDX-License-Identifier: Apache-2.0
// Serves the Prometheus text on GET /metrics, bound to health.metrics_listen
// (e.g. 127.0.0.1:9464). The HTTP server is civetweb (libcivetweb from
// Debian), included only by metrics_server.cpp; it runs two worker threads of
// its own. Every other path answers 404, every other method 405.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/core/status.hpp"

namespace cityedge::health {

// Returns the metrics text. THREADING: called on civetweb's worker threads,
// possibly two at once; must be thread-safe.
using MetricsRenderer = std::function<std::string()>;

class MetricsServer {
 public:
  // Binds and starts serving. Fails (kInvalidArgument) when `listen` is not
  // host:port, or (kUnavailable) when the address cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                                    MetricsRenderer render);
  virtual ~MetricsServer() = default;
  // Stops serving and joins civetweb's threads; the renderer is not called
  // after Stop returns. Idempotent; the destructor calls it.
  virtual void Stop() = 0;
  // The port bound (useful with port 0).
  [[nodiscard]] virtual int port() const = 0;
};

}  // namespace cityedge::health
