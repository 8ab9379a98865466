#include "daemon/uplink/certificate_time.hpp"

#include <ctime>
#include <mutex>

#include <openssl/x509_vfy.h>

namespace cityedge::uplink {

std::optional<std::int64_t> CertificateCheckTime(std::int64_t wall_unix_ns,
                                                 std::optional<std::int64_t> floor_unix_ns) {
  if (!floor_unix_ns || wall_unix_ns >= *floor_unix_ns) return std::nullopt;
  return *floor_unix_ns / 1'000'000'000;
}

Status SetCertificateCheckTime(std::optional<std::int64_t> unix_seconds) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  // Drops an earlier override; lookups of "default" fall back to OpenSSL's
  // built-in parameters.
  X509_VERIFY_PARAM_table_cleanup();
  if (!unix_seconds) return OkStatus();
  X509_VERIFY_PARAM* param = X509_VERIFY_PARAM_new();
  if (param == nullptr) return MakeError(Code::kResourceExhausted, "out of memory");
  // Keep everything the built-in defaults set (depth, flags); change the time.
  if (X509_VERIFY_PARAM_inherit(param, X509_VERIFY_PARAM_lookup("default")) != 1 ||
      X509_VERIFY_PARAM_set1_name(param, "default") != 1) {
    X509_VERIFY_PARAM_free(param);
    return MakeError(Code::kResourceExhausted, "cannot copy the default verification parameters");
  }
  X509_VERIFY_PARAM_set_time(param, static_cast<std::time_t>(*unix_seconds));
  if (X509_VERIFY_PARAM_add0_table(param) != 1) {
    X509_VERIFY_PARAM_free(param);
    return MakeError(Code::kResourceExhausted, "cannot install the verification time");
  }
  return OkStatus();
}

}  // namespace cityedge::uplink
