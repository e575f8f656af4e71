#include "certs/cert_issuer.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "crypto/der_writer.h"
#include "crypto/ossl_error.h"
#include "crypto/ossl_string.h"
#include "crypto/sha256.h"

namespace adtgw {
namespace {

der::Bytes NameDer(const CertificateSpec& spec) {
  std::vector<der::Bytes> rdns;
  auto rdn = [&rdns](const char* oid, const der::Bytes& value) {
    rdns.push_back(der::SetOf({der::Sequence({der::Oid(oid), value})}));
  };
  if (spec.common_name) rdn("2.5.4.3", der::Utf8String(*spec.common_name));
  if (spec.organisational_unit) rdn("2.5.4.11", der::Utf8String(*spec.organisational_unit));
  if (spec.eui64) rdn("2.5.4.45", der::BitString(spec.eui64->bytes()));
  der::Bytes content;
  for (const auto& r : rdns) der::Append(content, r);
  return der::Tlv(der::kSequence, content);
}

Status AddExtension(X509* cert, int nid, bool critical, const der::Bytes& value) {
  Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
  if (!os || ASN1_OCTET_STRING_set(os.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return InternalOpenSslError("extension encoding");
  }
  X509ExtensionPtr ext(X509_EXTENSION_create_by_NID(nullptr, nid, critical ? 1 : 0, os.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return InternalOpenSslError("adding an extension");
  }
  return OkStatus();
}

// keyUsage BIT STRING in DER (named-bit list: trailing zero bits removed).
der::Bytes KeyUsageDer(uint32_t ku) {
  // OpenSSL's KU_* values are the first two octets of the bit string, bit 0 = 0x80.
  uint8_t octets[2] = {static_cast<uint8_t>(ku & 0xff), static_cast<uint8_t>((ku >> 8) & 0xff)};
  int len = octets[1] != 0 ? 2 : 1;
  uint8_t last = octets[len - 1];
  int unused = 0;
  while (unused < 8 && last != 0 && (last & (1 << unused)) == 0) ++unused;
  der::Bytes content{static_cast<uint8_t>(unused)};
  content.insert(content.end(), octets, octets + len);
  return der::Tlv(der::kBitString, content);
}

der::Bytes KeyId(EVP_PKEY* key, size_t length) {
  // RFC 7093 method 4 style: leading bytes of SHA-256 over the public key.
  Sha256Digest digest = Sha256Of(I2dKept(key, i2d_PUBKEY, "a public key (i2d_PUBKEY)"));
  return der::Bytes(digest.begin(),
                    digest.begin() + static_cast<long>(std::min<size_t>(length, 32)));
}

Status SetTime(ASN1_TIME* field, std::time_t t) {
  if (ASN1_TIME_set(field, t) == nullptr) return InternalOpenSslError("setting a time");
  return OkStatus();
}

}  // namespace

Result<EvpPkeyPtr> GenerateKey(KeyType type) {
  EvpPkeyPtr key;
  switch (type) {
    case KeyType::kP256:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case KeyType::kP384:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
      break;
    case KeyType::kRsa2048:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
      break;
  }
  if (!key) return InternalOpenSslError("key generation failed");
  return key;
}

Result<X509Ptr> IssueCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                 EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return InternalOpenSslError("certificate allocation");
  }
  Asn1IntegerPtr serial(ASN1_INTEGER_new());
  if (!serial || ASN1_INTEGER_set_uint64(serial.get(), spec.serial) != 1 ||
      X509_set_serialNumber(cert.get(), serial.get()) != 1) {
    return InternalOpenSslError("serial number");
  }
  der::Bytes name_der = NameDer(spec);
  const unsigned char* p = name_der.data();
  X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(name_der.size())));
  if (!name || X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(),
                           issuer != nullptr ? X509_get_subject_name(issuer) : name.get()) != 1) {
    return InternalOpenSslError("certificate names");
  }
  ADTGW_TRY(SetTime(X509_getm_notBefore(cert.get()), spec.not_before));
  ADTGW_TRY(SetTime(X509_getm_notAfter(cert.get()), spec.not_after));
  if (X509_set_pubkey(cert.get(), subject_key) != 1) return InternalOpenSslError("public key");

  if (spec.is_ca) {
    ADTGW_TRY(
        AddExtension(cert.get(), NID_basic_constraints, true, der::Sequence({der::Boolean(true)})));
  }
  if (spec.key_usage) {
    ADTGW_TRY(AddExtension(cert.get(), NID_key_usage, spec.key_usage_critical,
                           KeyUsageDer(*spec.key_usage)));
  }
  if (spec.key_id_length > 0) {
    ADTGW_TRY(AddExtension(cert.get(), NID_subject_key_identifier, false,
                           der::OctetString(KeyId(subject_key, spec.key_id_length))));
    const ASN1_OCTET_STRING* issuer_ski =
        issuer != nullptr ? X509_get0_subject_key_id(issuer) : nullptr;
    der::Bytes aki =
        issuer_ski != nullptr
            ? der::Bytes(ASN1_STRING_get0_data(issuer_ski),
                         ASN1_STRING_get0_data(issuer_ski) + ASN1_STRING_length(issuer_ski))
            : KeyId(issuer_key, spec.key_id_length);
    ADTGW_TRY(AddExtension(cert.get(), NID_authority_key_identifier, false,
                           der::Sequence({der::Tlv(der::ContextPrimitive(0), aki)})));
  }
  if (!spec.policy_oids.empty()) {
    der::Bytes content;
    for (const auto& oid : spec.policy_oids) der::Append(content, der::Sequence({der::Oid(oid)}));
    ADTGW_TRY(AddExtension(cert.get(), NID_certificate_policies, spec.policies_critical,
                           der::Tlv(der::kSequence, content)));
  }
  if (!spec.extended_key_usage.empty()) {
    der::Bytes content;
    for (int nid : spec.extended_key_usage) {
      std::string dotted = DottedOid(OBJ_nid2obj(nid));
      if (dotted.empty())
        return InternalOpenSslError("extended key usage OID " + std::to_string(nid));
      der::Append(content, der::Oid(dotted));
    }
    ADTGW_TRY(
        AddExtension(cert.get(), NID_ext_key_usage, false, der::Tlv(der::kSequence, content)));
  }
  if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) {
    der::Bytes content;
    for (const auto& dns : spec.dns_names) {
      der::Append(content, der::Tlv(der::ContextPrimitive(2), der::Bytes(dns.begin(), dns.end())));
    }
    for (const auto& ip : spec.ip_addresses) {
      Asn1OctetStringPtr addr(a2i_IPADDRESS(ip.c_str()));
      if (!addr) return InternalOpenSslError("IP address " + ip);
      der::Append(content, der::Tlv(der::ContextPrimitive(7),
                                    der::Bytes(ASN1_STRING_get0_data(addr.get()),
                                               ASN1_STRING_get0_data(addr.get()) +
                                                   ASN1_STRING_length(addr.get()))));
    }
    ADTGW_TRY(
        AddExtension(cert.get(), NID_subject_alt_name, false, der::Tlv(der::kSequence, content)));
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return InternalOpenSslError("signing the certificate");
  }
  return cert;
}

Result<X509CrlPtr> IssueCrl(X509* issuer, EVP_PKEY* issuer_key,
                            const std::vector<uint64_t>& serials, std::time_t this_update,
                            std::time_t next_update) {
  X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last(ASN1_TIME_set(nullptr, this_update));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, next_update));
  if (!crl || !last || !next || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return InternalOpenSslError("CRL fields");
  }
  for (uint64_t s : serials) {
    X509RevokedPtr entry(X509_REVOKED_new());
    Asn1IntegerPtr serial(ASN1_INTEGER_new());
    if (!entry || !serial || ASN1_INTEGER_set_uint64(serial.get(), s) != 1 ||
        X509_REVOKED_set_serialNumber(entry.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), last.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) {
      return InternalOpenSslError("CRL entry");
    }
    entry.release();  // owned by the CRL now (add0)
  }
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(issuer);
  if (ski != nullptr) {
    AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
    if (!akid) return InternalOpenSslError("CRL authority key identifier");
    akid->keyid = ASN1_OCTET_STRING_dup(ski);  // owned by akid from here
    if (X509_CRL_add1_ext_i2d(crl.get(), NID_authority_key_identifier, akid.get(), 0, 0) != 1) {
      return InternalOpenSslError("CRL authority key identifier");
    }
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), issuer_key, EVP_sha256()) <= 0) {
    return InternalOpenSslError("signing the CRL");
  }
  return crl;
}

}  // namespace adtgw
