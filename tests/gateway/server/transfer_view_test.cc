#include "gateway/server/transfer_view.h"

#include <gtest/gtest.h>

namespace adtgw {
namespace {

Eui64 E(const char* text) { return Eui64::Parse(text).value(); }

// Every byte value, so that binary fields are seen to be copied whole.
std::string AllBytes() {
  std::string out;
  for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  return out;
}

TransferRecord Record() {
  TransferRecord r;
  r.id = "0123456789abcdef0123456789abcdef";
  r.sender = E("AD-7C-00-00-00-00-02-01");
  r.recipients = {E("AD-7C-00-00-00-00-04-01"), E("AD-7C-00-00-00-00-04-02")};
  Delivery a;
  a.recipient = r.recipients[0];
  a.state = DeliveryState::kAccepted;
  Delivery b;
  b.recipient = r.recipients[1];
  b.state = DeliveryState::kRejected;
  b.reason = "format.bad_row";
  b.ack = "{\"decision\":\"rejected\",\"problems\":[\"x.csv:3:2: adt.bad_role: \\\"QQ\\\"\"]}";
  b.ack_signature = AllBytes();
  r.deliveries = {a, b};
  r.idempotency_key = "idempotency-key-0001";
  r.file_type = "adt";
  r.file_name = "ADT_20261129.csv";
  r.envelope_sha256 = std::string(64, 'a');
  r.envelope_size = 1310;
  r.storage_key = "fedcba9876543210fedcba9876543210";
  r.state = TransferState::kRejected;
  r.reason = "format.bad_row";
  r.created = 1764417600;
  r.updated = 1764417601;
  r.manifest = "{\"version\":1}";
  r.signature = AllBytes();
  r.receipt = "{\"receipt\":true}";
  return r;
}

TEST(TransferView, ViewOfCopiesTheRecord) {
  TransferRecord r = Record();
  TransferView v = ViewOf(r, 99);
  EXPECT_EQ(v.id, r.id);
  EXPECT_EQ(v.state, "rejected");
  EXPECT_EQ(v.sender, "AD-7C-00-00-00-00-02-01");
  EXPECT_EQ(v.recipients,
            (std::vector<std::string>{"AD-7C-00-00-00-00-04-01", "AD-7C-00-00-00-00-04-02"}));
  ASSERT_EQ(v.deliveries.size(), 2u);
  EXPECT_EQ(v.deliveries[0].state, "accepted");
  EXPECT_EQ(v.deliveries[1].state, "rejected");
  EXPECT_EQ(v.deliveries[1].reason, "format.bad_row");
  EXPECT_EQ(v.upload_offset, 99u);
  EXPECT_EQ(v.created, "2025-11-29T12:00:00Z");
  EXPECT_EQ(v.updated, "2025-11-29T12:00:01Z");
  EXPECT_EQ(v.manifest, r.manifest);
  EXPECT_EQ(v.signature, r.signature);
  EXPECT_EQ(v.receipt, r.receipt);
  // What the gateway keeps to itself is not in the view.
  std::string json = TransferViewToJson(v);
  EXPECT_EQ(json.find(r.storage_key), std::string::npos);
  EXPECT_EQ(json.find(r.idempotency_key), std::string::npos);
}

}  // namespace
}  // namespace adtgw
