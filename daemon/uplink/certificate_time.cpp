// SPDX-License-Identifier: Apache-2.0
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
  // OpenSSL's own table entry named "default" shadows the built-in one. It is
  // made once and kept (the table owns it); later calls set or clear its time.
  static X509_VERIFY_PARAM* installed = nullptr;
  std::lock_guard lock(mutex);
  if (installed == nullptr) {
    if (!unix_seconds) return OkStatus();
    X509_VERIFY_PARAM* param = X509_VERIFY_PARAM_new();
    if (param == nullptr) return MakeError(Code::kResourceExhausted, "out of memory");
    // Keep everything the built-in defaults set (depth, flags); change the time.
    if (X509_VERIFY_PARAM_inherit(param, X509_VERIFY_PARAM_lookup("default")) != 1 ||
        X509_VERIFY_PARAM_set1_name(param, "default") != 1 ||
        X509_VERIFY_PARAM_add0_table(param) != 1) {
      X509_VERIFY_PARAM_free(param);
      return MakeError(Code::kResourceExhausted, "cannot install the verification time");
    }
    installed = param;
  }
  if (unix_seconds) {
    X509_VERIFY_PARAM_set_time(installed, static_cast<std::time_t>(*unix_seconds));
  } else {
    X509_VERIFY_PARAM_clear_flags(installed, X509_V_FLAG_USE_CHECK_TIME);
  }
  return OkStatus();
}

}  // namespace cityedge::uplink
