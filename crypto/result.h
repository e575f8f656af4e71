// The one error vocabulary of adtgw, and Result<T>, the return type of everything
// that can fail because of its input or its environment.
//
// An Error carries a stable machine-readable code (e.g. "envelope.tampered",
// "cert.revoked"), a one-line message saying what went wrong and why, and an
// optional hint saying what the user can do. The code's kind decides the exit code
// (gateway/common/exit_code.h) and, later, the HTTP status: each mapping is made
// once, from the kind, never from the message text.
//
// Broken invariants (programming errors) are not Errors: they abort.
//
// Thread safety: value types, no shared state.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace adtgw {

enum class ErrorKind {
  kUsage,            // the command line or call was malformed
  kInvalidInput,     // a file or message is not what it claims to be (garbage, truncated)
  kIntegrity,        // cryptographic check failed: tampering, wrong key, bad signature
  kTrust,            // a certificate is untrusted, revoked, expired or breaks the profile
  kNotFound,         // a named file or object does not exist
  kConflict,         // refusing to overwrite something that exists
  kPermission,       // unsafe or insufficient file permissions
  kIo,               // the environment failed: disk, read, write
  kInternal,         // a library call failed for a reason not caused by the input
  kDenied,           // the policy refused the request (a decision, not a malfunction)
  kUnauthenticated,  // the peer could not be identified (unknown TLS client, no identity)
  kTooLarge,         // a size limit was exceeded (body, header, envelope)
  kUnavailable,      // a service is busy, down or unreachable; retrying later may work
};

struct Error {
  ErrorKind kind;
  std::string code;
  std::string message;
  std::string hint;

  // Prefixes context to the message, keeping code, kind and hint.
  Error&& With(const std::string& context) && {
    message = context + ": " + message;
    return std::move(*this);
  }
};

inline Error MakeError(ErrorKind kind, std::string code, std::string message,
                       std::string hint = {}) {
  return Error{kind, std::move(code), std::move(message), std::move(hint)};
}

// Holds either a T or an Error. Accessing the wrong alternative aborts: callers
// must test ok() first.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  T& value() & { return Get<0>(); }
  T&& value() && { return std::move(Get<0>()); }
  const T& value() const& { return std::get<0>(v_); }
  const Error& error() const& { return Check<1>(), std::get<1>(v_); }
  Error&& error() && { return std::move(Get<1>()); }
  T* operator->() { return &Get<0>(); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return Get<0>(); }

 private:
  template <size_t I>
  void Check() const {
    if (v_.index() != I) std::abort();
  }
  template <size_t I>
  auto& Get() {
    Check<I>();
    return std::get<I>(v_);
  }
  std::variant<T, Error> v_;
};

// Result of an operation that returns nothing on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !error_.has_value(); }
  const Error& error() const& {
    if (!error_) std::abort();
    return *error_;
  }
  Error&& error() && {
    if (!error_) std::abort();
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }

}  // namespace adtgw

// Early-return helpers. ADTGW_TRY(expr) for a Status; ADTGW_ASSIGN(var, expr) for a Result.
#define ADTGW_CONCAT_INNER(a, b) a##b
#define ADTGW_CONCAT(a, b) ADTGW_CONCAT_INNER(a, b)

#define ADTGW_TRY(expr)                                               \
  do {                                                                \
    auto adtgw_status_ = (expr);                                      \
    if (!adtgw_status_.ok()) return std::move(adtgw_status_).error(); \
  } while (0)

#define ADTGW_ASSIGN_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

#define ADTGW_ASSIGN(lhs, expr) \
  ADTGW_ASSIGN_IMPL(ADTGW_CONCAT(adtgw_result_, __COUNTER__), lhs, expr)
