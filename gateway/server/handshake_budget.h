// HandshakeBudget: how many TCP connections may be in their TLS handshake at once,
// overall and per source address (docs/api.md, "Connections"). A connection that has
// not finished its handshake has proved nothing, so it never takes one of the
// max_connections session slots; it takes a slot of this smaller budget instead, from
// accept until its handshake ends (either way), and a connection the budget cannot
// admit is closed at once, before any TLS work. The per-address share keeps one source
// from holding the whole budget: to fill it, a flood needs max_handshakes /
// max_handshakes_per_address sources.
//
// Sources are compared by SourceKey: an IPv4 address (IPv4-mapped IPv6 included) as
// itself, an IPv6 address by its /64 prefix, since one host is usually given a whole
// /64 and could otherwise take a fresh address for every connection.
//
// Ownership: a Slot releases what it holds when it is destroyed or reset, and must not
// outlive its budget. Thread safety: Admit and Release may be called from any thread.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace adtgw {

// The text a source is counted under (see above): "192.0.2.7", "2001:db8:0:1::/64".
std::string SourceKey(const boost::asio::ip::address& address);

class HandshakeBudget {
 public:
  // Why a connection was not admitted.
  enum class Refusal { kNone, kOverall, kPerAddress };

  // One admitted connection's place in the budget.
  class Slot {
   public:
    Slot(HandshakeBudget& budget, std::string source)
        : budget_(&budget), source_(std::move(source)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { budget_->Release(source_); }
    const std::string& source() const { return source_; }

   private:
    HandshakeBudget* budget_;
    std::string source_;
  };

  HandshakeBudget(size_t overall, size_t per_address)
      : overall_(overall), per_address_(per_address) {}

  // A slot for a connection from `source`, or null and why not (`*why`).
  std::unique_ptr<Slot> Admit(const std::string& source, Refusal* why);

  size_t in_handshake() const;
  size_t in_handshake_from(const std::string& source) const;

 private:
  void Release(const std::string& source);

  const size_t overall_;
  const size_t per_address_;
  mutable std::mutex mu_;
  size_t total_ = 0;                                   // guarded by mu_
  std::unordered_map<std::string, size_t> by_source_;  // guarded by mu_; at most overall_ keys
};

}  // namespace adtgw
