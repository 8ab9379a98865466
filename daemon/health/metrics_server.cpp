// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/metrics_server.hpp"

#include <charconv>
#include <cstring>
#include <mutex>

#include <civetweb.h>
#include <spdlog/spdlog.h>

#include "daemon/health/prometheus.hpp"

namespace cityedge::health {
namespace {

Status CheckListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon > 0) {
    const char* end = listen.data() + listen.size();
    auto [ptr, ec] = std::from_chars(listen.data() + colon + 1, end, port);
    if (ec != std::errc() || ptr != end) port = -1;
  }
  if (port < 0 || port > 65535) {
    return MakeError(Code::kInvalidArgument,
                     "health.metrics_listen \"{}\" is not host:port with a numeric IPv4 host, "
                     "e.g. 127.0.0.1:9464",
                     listen);
  }
  return OkStatus();
}

int LogMessage(const mg_connection*, const char* message) {
  spdlog::debug("metrics http: {}", message);
  return 1;
}

class CivetMetricsServer final : public MetricsServer {
 public:
  explicit CivetMetricsServer(MetricsRenderer render) : render_(std::move(render)) {}
  ~CivetMetricsServer() override { Stop(); }

  Status Open(const std::string& listen) {
    static std::once_flag library;
    std::call_once(library, [] { mg_init_library(0); });
    mg_callbacks callbacks{};
    callbacks.log_message = &LogMessage;
    const char* options[] = {
        "listening_ports", listen.c_str(),      "num_threads", "2",    "request_timeout_ms",
        "10000",           "enable_keep_alive", "no",          nullptr};
    char error_text[256] = {};
    unsigned error_code = 0;
    mg_error_data error{};
    error.code = &error_code;
    error.text = error_text;
    error.text_buffer_size = sizeof error_text;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = this;
    init.configuration_options = options;
    ctx_ = mg_start2(&init, &error);
    if (ctx_ == nullptr) {
      return MakeError(Code::kUnavailable,
                       "metrics on {}: {}; is the port taken, or the address not on this box?",
                       listen, error_text[0] != '\0' ? error_text : "cannot listen");
    }
    mg_set_request_handler(ctx_, "/", &CivetMetricsServer::Handle, this);
    mg_server_port ports[1] = {};
    if (mg_get_server_ports(ctx_, 1, ports) > 0) port_ = ports[0].port;
    return OkStatus();
  }

  void Stop() override {
    if (ctx_ == nullptr) return;
    mg_stop(ctx_);
    ctx_ = nullptr;
  }

  int port() const override { return port_; }

 private:
  static int Handle(mg_connection* conn, void* self) {
    const mg_request_info* request = mg_get_request_info(conn);
    if (request->local_uri == nullptr || std::strcmp(request->local_uri, "/metrics") != 0) {
      mg_send_http_error(conn, 404, "%s", "only /metrics is served here\n");
      return 404;
    }
    if (std::strcmp(request->request_method, "GET") != 0 &&
        std::strcmp(request->request_method, "HEAD") != 0) {
      mg_response_header_start(conn, 405);
      mg_response_header_add(conn, "Allow", "GET, HEAD", -1);
      mg_response_header_add(conn, "Content-Length", "0", -1);
      mg_response_header_send(conn);
      return 405;
    }
    const std::string text = static_cast<CivetMetricsServer*>(self)->render_();
    const std::string type(kMetricsContentType);
    mg_send_http_ok(conn, type.c_str(), static_cast<long long>(text.size()));
    if (std::strcmp(request->request_method, "GET") == 0) {
      mg_write(conn, text.data(), text.size());
    }
    return 200;
  }

  MetricsRenderer render_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                            MetricsRenderer render) {
  if (auto s = CheckListen(listen); !s) return std::unexpected(s.error());
  auto server = std::make_unique<CivetMetricsServer>(std::move(render));
  if (auto s = server->Open(listen); !s) return std::unexpected(s.error());
  return std::unique_ptr<MetricsServer>(std::move(server));
}

}  // namespace cityedge::health
