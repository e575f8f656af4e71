// Realistic audit log entries for the audit log benchmarks (bench/audit_log.sh): the
// events a year of transfers leaves in the log, in time order.
//
// A transfer is offered and stored by its sender, then downloaded and acknowledged by
// its recipient, each event a few minutes after the previous one, so the four entries
// of different transfers interleave as they would at a busy gateway. Users send ADT and
// exit-quarantine files to the DCC (90% of transfers); the DCC sends quarantine reports
// to a user (10%). About 2% of entries are refusals (an offer refused by the policy, a
// request for someone else's envelope, an unknown TLS client), and a few percent of
// envelopes expire unacknowledged. Timestamps run evenly from `start` over `seconds`,
// so every month holds about the same number of entries and each user's share is
// 1 / users.size() of it.
//
// Deterministic for a given seed. Thread safety: one generator per thread.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "certs/eui64.h"
#include "gateway/audit/audit_entry.h"

namespace adtgw::bench {

class AuditEntryGenerator {
 public:
  // Entries i = 0 .. total-1 are stamped start + i * seconds / total.
  AuditEntryGenerator(std::vector<Eui64> users, Eui64 dcc, std::time_t start, double seconds,
                      uint64_t total, uint64_t seed)
      : users_(std::move(users)),
        dcc_(dcc),
        start_(start),
        step_(total > 0 ? seconds / static_cast<double>(total) : 0),
        rng_(seed) {
    policy_sha256_ = Hex(32);
  }

  AuditEntry Next() {
    AuditEntry e;
    e.at = start_ + static_cast<std::time_t>(static_cast<double>(count_++) * step_);
    const double roll = Uniform();
    if (roll < 0.005) return TlsRefused(e);
    if (roll < 0.012) return RequestRefused(e);
    if (roll < 0.02) return OfferRefused(e);
    // Start a new transfer unless enough are in flight, so that about as many
    // later events (downloads, acknowledgements) follow as offers begin.
    if (in_flight_.size() < 32 || (in_flight_.size() < 4096 && Uniform() < 0.25)) {
      Transfer t = NewTransfer();
      TransferEntry(e, t, audit_event::kTransferOffered);
      e.actor = t.sender;
      e.outcome = "accepted";
      t.stage = 1;
      in_flight_.push_back(std::move(t));
      return e;
    }
    // Advance the oldest transfer in flight by one stage.
    Transfer t = std::move(in_flight_.front());
    in_flight_.pop_front();
    switch (t.stage) {
      case 1:
        TransferEntry(e, t, audit_event::kEnvelopeStored);
        e.actor = t.sender;
        break;
      case 2:
        if (Uniform() < 0.03) {  // never fetched: retention removes it
          TransferEntry(e, t, audit_event::kEnvelopeExpired);
          e.reason = "retention";
          return e;
        }
        TransferEntry(e, t, audit_event::kEnvelopeDownloaded);
        e.actor = t.recipients.front();
        break;
      default:
        TransferEntry(e, t, audit_event::kTransferAcknowledged);
        e.actor = t.recipients.front();
        e.outcome = Uniform() < 0.99 ? "accepted" : "rejected";
        if (e.outcome == "rejected") e.reason = "format.invalid";
        return e;  // done with this transfer
    }
    ++t.stage;
    in_flight_.push_back(std::move(t));
    return e;
  }

 private:
  struct Transfer {
    std::string id;
    Eui64 sender;
    std::vector<Eui64> recipients;
    std::string file_type;
    std::string sha256;
    uint64_t size = 0;
    std::string rule;
    std::string serial;
    int stage = 0;
  };

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  const Eui64& AnyUser() { return users_[rng_() % users_.size()]; }
  std::string Hex(size_t bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes; ++i) {
      uint8_t b = static_cast<uint8_t>(rng_());
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0xf]);
    }
    return out;
  }

  Transfer NewTransfer() {
    Transfer t;
    t.id = Hex(16);
    const Eui64& user = AnyUser();
    const double kind = Uniform();
    if (kind < 0.9) {
      t.sender = user;
      t.recipients = {dcc_};
      t.file_type = kind < 0.6 ? "adt" : "exit-quarantine";
      t.rule = t.file_type == "adt" ? "users-send-adt-to-dcc" : "users-send-exit-quarantine-to-dcc";
    } else {
      t.sender = dcc_;
      t.recipients = {user};
      t.file_type = "quarantine-report";
      t.rule = "dcc-sends-reports-to-users";
    }
    t.sha256 = Hex(32);
    t.size = 2000 + rng_() % 2000000;
    t.serial = Hex(16);
    return t;
  }

  void TransferEntry(AuditEntry& e, const Transfer& t, const char* event) {
    e.event = event;
    e.sender = t.sender;
    e.recipients = t.recipients;
    e.transfer_id = t.id;
    e.file_type = t.file_type;
    e.envelope_sha256 = t.sha256;
    e.envelope_size = t.size;
    e.policy_sha256 = policy_sha256_;
    e.rule = t.rule;
    e.signer_issuer = "CN=adtgw demo SMKI issuing OCA,OU=07";
    e.signer_serial = t.serial;
  }

  AuditEntry& TlsRefused(AuditEntry& e) {
    e.event = audit_event::kTlsClientRefused;
    e.peer = "CN=unknown client sha256:" + Hex(32);
    e.policy_sha256 = policy_sha256_;
    return e;
  }

  AuditEntry& RequestRefused(AuditEntry& e) {
    e.event = audit_event::kRequestRefused;
    e.actor = AnyUser();
    e.request = "GET envelope";
    e.reason = "transfer.not_recipient";
    e.transfer_id = Hex(16);
    return e;
  }

  AuditEntry& OfferRefused(AuditEntry& e) {
    Transfer t = NewTransfer();
    TransferEntry(e, t, audit_event::kTransferOffered);
    e.actor = t.sender;
    e.outcome = "refused";
    e.reason = "policy.file_type_not_allowed";
    e.rule.clear();
    return e;
  }

  std::vector<Eui64> users_;
  Eui64 dcc_;
  std::time_t start_;
  double step_;
  std::mt19937_64 rng_;
  uint64_t count_ = 0;
  std::string policy_sha256_;
  std::deque<Transfer> in_flight_;
};

// `count` user EUI-64s: the given ones first, then made-up ones (AD-7C-00-01-xx-xx-02-01).
inline std::vector<Eui64> BenchUsers(std::vector<Eui64> given, size_t count) {
  for (uint32_t i = 0; given.size() < count; ++i) {
    std::array<uint8_t, 8> b = {
        0xAD, 0x7C, 0x00, 0x01, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0x02, 0x01};
    given.push_back(Eui64::FromBytes(b));
  }
  return given;
}

}  // namespace adtgw::bench
