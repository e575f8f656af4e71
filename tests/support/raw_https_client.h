// One HTTP/1.1 exchange over real mutual TLS, with bytes the caller writes itself: for
// tests that must send what the project's client never sends (an unknown method, a
// body on a GET, chunked framing, oversized headers). The request is written as given;
// the answer is read to the end of its Content-Length (or to the connection's close).
//
// Every OpenSSL handle is owned (crypto/ossl_ptr.h) and the socket by a UniqueFd; reads
// and writes give up after a socket timeout so that a test never hangs on a gateway that
// does not answer. Thread safety: each call is independent.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/result.h"

namespace adtgw::testing {

struct RawTlsIdentity {
  std::string certificate;  // PEM: the client's DCCKI certificate
  std::string key;          // PEM: its private key
  std::string ca;           // PEM: the CA the gateway's certificate must chain to
};

struct RawHttpAnswer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Connects to 127.0.0.1:`port`, writes `request` and reads one answer.
Result<RawHttpAnswer> RawHttpsExchange(uint16_t port, const RawTlsIdentity& identity,
                                       const std::string& request);

}  // namespace adtgw::testing
