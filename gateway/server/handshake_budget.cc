#include "gateway/server/handshake_budget.h"

namespace adtgw {

std::string SourceKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().to_string();
  boost::asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  for (size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::unique_ptr<HandshakeBudget::Slot> HandshakeBudget::Admit(const std::string& source,
                                                              Refusal* why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ >= overall_) {
    *why = Refusal::kOverall;
    return nullptr;
  }
  size_t& mine = by_source_[source];
  if (mine >= per_address_) {
    *why = Refusal::kPerAddress;
    return nullptr;
  }
  ++mine;
  ++total_;
  *why = Refusal::kNone;
  return std::make_unique<Slot>(*this, source);
}

void HandshakeBudget::Release(const std::string& source) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  --total_;
  if (--it->second == 0) by_source_.erase(it);
}

size_t HandshakeBudget::in_handshake() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

size_t HandshakeBudget::in_handshake_from(const std::string& source) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_source_.find(source);
  return it == by_source_.end() ? 0 : it->second;
}

}  // namespace adtgw
