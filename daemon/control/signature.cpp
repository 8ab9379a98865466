#include "daemon/control/signature.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

namespace cityedge::control {

struct PlatformKeys::Key {
  explicit Key(EVP_PKEY* k) : pkey(k) {}
  ~Key() { EVP_PKEY_free(pkey); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  EVP_PKEY* pkey;
};

namespace {

Result<EVP_PKEY*> ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return MakeError(Code::kResourceExhausted, "out of memory");
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return MakeError(Code::kInvalidArgument, "not a PEM public key");
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return MakeError(Code::kInvalidArgument,
                     "not an Ed25519 key (create one with: openssl genpkey -algorithm ed25519)");
  }
  return pkey;
}

}  // namespace

Result<PlatformKeys> PlatformKeys::FromPem(const std::map<std::string, std::string>& pem) {
  PlatformKeys keys;
  for (const auto& [id, text] : pem) {
    auto pkey = ParsePem(text);
    if (!pkey) return std::unexpected(pkey.error().Wrap(fmt::format("platform key {}", id)));
    keys.keys_[id] = std::make_shared<const Key>(*pkey);
  }
  return keys;
}

Result<PlatformKeys> PlatformKeys::Load(
    const google::protobuf::RepeatedPtrField<v1::PlatformKey>& keys) {
  std::map<std::string, std::string> pem;
  for (const auto& key : keys) {
    std::ifstream in(key.public_key_file(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      return MakeError(Code::kInvalidArgument, "platform key {}: cannot read {}", key.id(),
                       key.public_key_file());
    }
    pem[key.id()] = text.str();
  }
  return FromPem(pem);
}

bool PlatformKeys::Has(std::string_view key_id) const { return keys_.contains(key_id); }

bool PlatformKeys::Verify(std::string_view key_id, std::string_view message,
                          std::string_view signature) const {
  auto it = keys_.find(key_id);
  if (it == keys_.end() || signature.size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  // Ed25519 is a one-shot scheme: no digest is named and the whole message is
  // passed at once.
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, it->second->pkey) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

namespace {

std::string PemOf(EVP_PKEY* pkey, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio, pkey);
  std::string out;
  if (ok == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<std::size_t>(size));
  }
  BIO_free(bio);
  return out;
}

}  // namespace

Result<Ed25519Signer> Ed25519Signer::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return MakeError(Code::kInternal, "Ed25519 key generation failed");
  Ed25519Signer signer;
  signer.private_pem_ = PemOf(pkey, true);
  signer.public_pem_ = PemOf(pkey, false);
  EVP_PKEY_free(pkey);
  return signer;
}

Result<Ed25519Signer> Ed25519Signer::FromPem(const std::string& private_pem) {
  BIO* bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  if (bio == nullptr) return MakeError(Code::kResourceExhausted, "out of memory");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return MakeError(Code::kInvalidArgument, "not a PEM Ed25519 private key");
  }
  Ed25519Signer signer;
  signer.private_pem_ = private_pem;
  signer.public_pem_ = PemOf(pkey, false);
  EVP_PKEY_free(pkey);
  return signer;
}

std::string Ed25519Signer::Sign(std::string_view message) const {
  BIO* bio = BIO_new_mem_buf(private_pem_.data(), static_cast<int>(private_pem_.size()));
  EVP_PKEY* pkey =
      bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  std::string signature(64, '\0');
  std::size_t size = signature.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      pkey != nullptr && ctx != nullptr &&
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok) return {};
  signature.resize(size);
  return signature;
}

}  // namespace cityedge::control
