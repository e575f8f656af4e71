#include "certs/credential_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include <openssl/pem.h>

#include "crypto/ossl_error.h"
#include "crypto/ossl_string.h"
#include "crypto/posix_file.h"

namespace adtgw {
namespace {

constexpr size_t kMaxCredentialFile = 1 << 20;

bool LooksLikePem(const std::vector<uint8_t>& bytes) {
  static constexpr char kMarker[] = "-----BEGIN ";
  auto it = std::search(bytes.begin(), bytes.end(), kMarker, kMarker + sizeof kMarker - 1);
  return it != bytes.end();
}

BioPtr MemBio(const std::vector<uint8_t>& bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Error Unreadable(const std::string& path, const std::string& what, const std::string& hint) {
  return OpenSslError(ErrorKind::kInvalidInput, "input.bad_credential",
                      path + ": not a valid " + what, hint);
}

}  // namespace

Result<std::vector<uint8_t>> ReadFileCapped(const std::string& path, size_t cap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    ErrorKind kind = err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo;
    return ErrnoError(kind, err == ENOENT ? "input.not_found" : "io.read", path + ": cannot open",
                      err, err == ENOENT ? "check the path" : "");
  }
  std::vector<uint8_t> out;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.insert(out.end(), buf, buf + in.gcount());
    if (out.size() > cap) {
      return MakeError(ErrorKind::kInvalidInput, "input.too_large",
                       path + ": larger than the " + std::to_string(cap) + "-byte limit");
    }
  }
  if (in.bad()) return MakeError(ErrorKind::kIo, "io.read", path + ": read failed");
  return out;
}

Result<std::vector<X509Ptr>> LoadCertificates(const std::string& path) {
  ADTGW_ASSIGN(auto bytes, ReadFileCapped(path, kMaxCredentialFile));
  std::vector<X509Ptr> out;
  if (LooksLikePem(bytes)) {
    BioPtr bio = MemBio(bytes);
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      out.emplace_back(cert);
    }
    DrainOpenSslErrors();  // the loop always ends on a "no start line" entry
  } else {
    const unsigned char* p = bytes.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(bytes.size())));
    if (cert && p == bytes.data() + bytes.size()) out.push_back(std::move(cert));
  }
  if (out.empty()) {
    return Unreadable(path, "certificate (PEM or DER X.509)",
                      "give a certificate file such as party-ds.cert.pem");
  }
  return out;
}

Result<X509Ptr> LoadCertificate(const std::string& path) {
  ADTGW_ASSIGN(auto certs, LoadCertificates(path));
  return std::move(certs.front());
}

Result<EvpPkeyPtr> LoadPrivateKey(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    return ErrnoError(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                      err == ENOENT ? "input.not_found" : "io.read", path + ": cannot open", err);
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return MakeError(
        ErrorKind::kPermission, "key.unsafe_permissions",
        path + ": private key file is accessible by group or others (mode " + mode + ")",
        "run: chmod 600 " + path);
  }
  ADTGW_ASSIGN(auto bytes, ReadFileCapped(path, kMaxCredentialFile));
  EvpPkeyPtr key;
  if (LooksLikePem(bytes)) {
    BioPtr bio = MemBio(bytes);
    // An empty passphrase callback: encrypted keys fail instead of prompting.
    key.reset(PEM_read_bio_PrivateKey(
        bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  } else {
    const unsigned char* p = bytes.data();
    key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  if (!key) {
    return Unreadable(path, "unencrypted private key (PEM or DER)",
                      "give the PKCS#8 or SEC1 key file that belongs to the certificate");
  }
  return key;
}

Result<X509CrlPtr> LoadCrl(const std::string& path) {
  ADTGW_ASSIGN(auto bytes, ReadFileCapped(path, 64 << 20));
  X509CrlPtr crl;
  if (LooksLikePem(bytes)) {
    BioPtr bio = MemBio(bytes);
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = bytes.data();
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
  }
  if (!crl) return Unreadable(path, "CRL (PEM or DER)", "give the issuing CA's CRL or the ARL");
  return crl;
}

Result<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return InternalOpenSslError("PEM encoding failed");
  }
  return BioContents(bio.get());
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return InternalOpenSslError("PEM encoding failed");
  }
  return BioContents(bio.get());
}

Result<std::string> CrlToPem(X509_CRL* crl) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl) != 1) {
    return InternalOpenSslError("PEM encoding failed");
  }
  return BioContents(bio.get());
}

}  // namespace adtgw
