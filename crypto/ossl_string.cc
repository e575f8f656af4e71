#include "crypto/ossl_string.h"

#include <openssl/buffer.h>
#include <openssl/objects.h>

#include "crypto/ossl_ptr.h"

namespace adtgw {

Result<std::string> BioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  if (bio == nullptr || BIO_get_mem_ptr(bio, &mem) <= 0 || mem == nullptr) {
    return InternalOpenSslError("reading a memory BIO");
  }
  return std::string(mem->data, mem->length);
}

std::string DottedOid(const ASN1_OBJECT* obj) {
  char buf[128];
  // The length OBJ_obj2txt returns is the whole text's, which may exceed the buffer.
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, /*no_name=*/1);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<size_t>(n));
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr ||
      X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return "(unprintable name)";
  }
  Result<std::string> text = BioContents(bio.get());
  return text.ok() ? *text : "(unprintable name)";
}

}  // namespace adtgw
