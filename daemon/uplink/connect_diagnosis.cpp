// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/connect_diagnosis.hpp"
#include "daemon/core/unique_fd.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace cityedge::uplink {
namespace {

struct Refusal {
  int code;
  Code status;
  const char* text;
};

// 3.1.1 CONNACK return codes and MQTT 5 CONNACK reason codes.
constexpr std::array<Refusal, 17> kRefusals{{
    {1, Code::kFailedPrecondition, "unacceptable protocol version"},
    {2, Code::kInvalidArgument, "client identifier rejected"},
    {3, Code::kUnavailable, "server unavailable"},
    {4, Code::kUnauthenticated, "not authorised: bad user name or password"},
    {5, Code::kPermissionDenied, "not authorised"},
    {0x80, Code::kUnavailable, "unspecified error"},
    {0x81, Code::kInvalidArgument, "malformed packet"},
    {0x82, Code::kInvalidArgument, "protocol error"},
    {0x84, Code::kFailedPrecondition, "unsupported protocol version"},
    {0x85, Code::kInvalidArgument, "client identifier not valid"},
    {0x86, Code::kUnauthenticated, "not authorised: bad user name or password"},
    {0x87, Code::kPermissionDenied, "not authorised"},
    {0x88, Code::kUnavailable, "server unavailable"},
    {0x89, Code::kUnavailable, "server busy"},
    {0x8A, Code::kPermissionDenied, "banned"},
    {0x9C, Code::kUnavailable, "use another server"},
    {0x9F, Code::kUnavailable, "connection rate exceeded"},
}};

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// Connects with a timeout; returns 0 or an errno value (ETIMEDOUT on timeout).
int ConnectWithTimeout(int fd, const addrinfo* addr, int timeout_ms) {
  const int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, addr->ai_addr, addr->ai_addrlen) != 0 && errno != EINPROGRESS) return errno;
  pollfd pfd{fd, POLLOUT, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0) return ETIMEDOUT;
  int error = 0;
  socklen_t len = sizeof(error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  fcntl(fd, F_SETFL, flags);
  return error;
}

std::string OpenSslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!text.empty()) text += "; ";
    text += buf.data();
  }
  return text.empty() ? "no detail" : text;
}

bool LoadTlsFiles(SSL_CTX* ctx, const v1::TlsConfig& tls, std::string* error) {
  if (!tls.ca_file().empty() &&
      SSL_CTX_load_verify_locations(ctx, tls.ca_file().c_str(), nullptr) != 1) {
    *error = "cannot load CA file " + tls.ca_file() + ": " + OpenSslErrors();
    return false;
  }
  if (!tls.cert_file().empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file().c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx, tls.key_file().c_str(), SSL_FILETYPE_PEM) != 1)) {
    *error = "cannot load client certificate " + tls.cert_file() + ": " + OpenSslErrors();
    return false;
  }
  return true;
}

// Runs a verifying TLS handshake on a connected socket; empty when it passes.
std::string ProbeTls(int fd, const BrokerAddress& address, const v1::TlsConfig& tls) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  std::string error;
  if (!ctx || !LoadTlsFiles(ctx.get(), tls, &error)) return error;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  in6_addr ip{};
  const bool is_ip = inet_pton(AF_INET, address.host.c_str(), &ip) == 1 ||
                     inet_pton(AF_INET6, address.host.c_str(), &ip) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, address.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), address.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, address.host.c_str(), 0);
  }
  SSL_set_fd(ssl.get(), fd);
  if (SSL_connect(ssl.get()) == 1) return "";
  const long verify = SSL_get_verify_result(ssl.get());
  if (verify != X509_V_OK) {
    return std::string("TLS verify failure: ") + X509_verify_cert_error_string(verify);
  }
  return "TLS handshake failed: " + OpenSslErrors();
}

}  // namespace

Result<BrokerAddress> ParseBrokerUri(const std::string& uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) {
    return MakeError(Code::kInvalidArgument, "broker URI '{}' has no scheme (tcp:// or ssl://)",
                     uri);
  }
  const std::string scheme = uri.substr(0, scheme_end);
  BrokerAddress address;
  if (scheme == "ssl" || scheme == "mqtts") {
    address.tls = true;
  } else if (scheme != "tcp" && scheme != "mqtt") {
    return MakeError(Code::kInvalidArgument, "broker URI '{}': scheme must be tcp or ssl", uri);
  }
  std::string rest = uri.substr(scheme_end + 3);
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  const auto bracket = rest.rfind(']');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
    address.host = rest;
    address.port = address.tls ? "8883" : "1883";
  } else {
    address.host = rest.substr(0, colon);
    address.port = rest.substr(colon + 1);
  }
  if (address.host.size() > 1 && address.host.front() == '[') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty())
    return MakeError(Code::kInvalidArgument, "broker URI '{}' has no host", uri);
  return address;
}

Error ConnackRefusal(int code, bool* matched) {
  for (const Refusal& refusal : kRefusals) {
    if (refusal.code == code) {
      *matched = true;
      return Error(refusal.status, fmt::format("broker refused the connection: {} (code 0x{:02x})",
                                               refusal.text, code));
    }
  }
  *matched = false;
  return Error(Code::kUnavailable, "");
}

Error DiagnoseConnectFailure(const std::string& uri, const v1::TlsConfig& tls, int timeout_ms,
                             const std::string& fallback) {
  auto address = ParseBrokerUri(uri);
  if (!address) return address.error();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (const int rc = getaddrinfo(address->host.c_str(), address->port.c_str(), &hints, &raw);
      rc != 0) {
    return Error(Code::kUnavailable,
                 fmt::format("DNS: cannot resolve '{}': {}", address->host, gai_strerror(rc)));
  }
  AddrInfoPtr info(raw);
  UniqueFd fd(::socket(info->ai_family, info->ai_socktype | SOCK_CLOEXEC, info->ai_protocol));
  if (fd.get() < 0)
    return Error(Code::kUnavailable, std::string("socket: ") + std::strerror(errno));
  if (const int error = ConnectWithTimeout(fd.get(), info.get(), timeout_ms); error != 0) {
    if (error == ECONNREFUSED) {
      return Error(Code::kUnavailable,
                   fmt::format("connection refused by {}:{} (no broker listening)", address->host,
                               address->port));
    }
    return Error(Code::kUnavailable, fmt::format("cannot reach {}:{}: {}", address->host,
                                                 address->port, std::strerror(error)));
  }
  if (address->tls) {
    if (std::string tls_error = ProbeTls(fd.get(), *address, tls); !tls_error.empty()) {
      return Error(Code::kUnauthenticated, fmt::format("{} ({})", tls_error, uri));
    }
  }
  return Error(Code::kUnavailable, fallback);
}

}  // namespace cityedge::uplink
