// CheckDeliveryAcknowledgement: a recipient's signed acknowledgement relayed in a full
// transfer view is believed only when its signature, its signer's SMKI certificate, its
// recipient, its transfer and envelope, and its decision all agree with the view.
#include "gateway/client/acknowledgement_check.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <functional>
#include <string>
#include <vector>

#include "crypto/byte_stream.h"
#include "crypto/sha256.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_pki.h"

namespace adtgw {
namespace {

constexpr const char* kSupplierA = "AD-7C-00-00-00-00-02-01";
constexpr const char* kDcc = "AD-7C-00-00-00-00-04-01";
constexpr const char* kTransfer = "0123456789abcdef0123456789abcdef";

Eui64 E(std::string_view s) { return Eui64::Parse(s).value(); }

class AcknowledgementCheckTest : public ::testing::Test {
 protected:
  AcknowledgementCheckTest()
      : dcc_ds_(pki_.Party(kDcc, "04", KU_DIGITAL_SIGNATURE)), trust_(pki_.Trust(true)) {
    ack_.transfer_id = kTransfer;
    ack_.recipient = E(kDcc);
    ack_.envelope_sha256.fill(0x5c);
    ack_.accepted = false;
    ack_.reason = "format.invalid";
    ack_.problems = {"adt.csv:3:3: field.bad_role: 'XX' is not a User Role",
                     "adt.csv:9:2: trailer.wrong_count: the T record says 7 D records"};
    ack_.created = pki_.now;
    view_.id = kTransfer;
    view_.state = "rejected";
    view_.sender = kSupplierA;
    view_.recipients = {kDcc};
    view_.envelope_sha256 = ToHex(ack_.envelope_sha256);
  }

  // The delivery the gateway shows for `ack` signed with `by`.
  DeliveryView Delivery(const Acknowledgement& ack, const testing::Credential& by) {
    auto signature = SignAcknowledgement(ack, {by.cert.get(), by.key.get()}, pki_.now);
    EXPECT_THAT(signature, IsOk());
    DeliveryView d;
    d.recipient = ack.recipient.ToString();
    d.state = ack.accepted ? "accepted" : "rejected";
    d.reason = ack.reason;
    d.acknowledgement = AcknowledgementToJson(ack);
    if (signature.ok()) d.acknowledgement_signature.assign(signature->begin(), signature->end());
    return d;
  }

  void ExpectUnverified(const Result<Acknowledgement>& got, const std::string& what,
                        const std::string& says) {
    ASSERT_THAT(got, StatusIs("ack.unverified")) << what;
    EXPECT_EQ(got.error().kind, ErrorKind::kIntegrity) << what;
    EXPECT_NE(got.error().message.find(says), std::string::npos)
        << what << ": " << got.error().message;
    EXPECT_FALSE(got.error().hint.empty()) << what;
  }

  testing::TestPki pki_;
  testing::Credential dcc_ds_;
  TrustConfig trust_;
  Acknowledgement ack_;
  TransferView view_;
};

TEST_F(AcknowledgementCheckTest, AGoodRejectionGivesTheRecipientsProblems) {
  DeliveryView delivery = Delivery(ack_, dcc_ds_);
  auto checked = CheckDeliveryAcknowledgement(view_, delivery, trust_);
  ASSERT_THAT(checked, IsOk());
  EXPECT_EQ(*checked, ack_);
  EXPECT_EQ(checked->problems, ack_.problems);
  EXPECT_FALSE(checked->accepted);
  EXPECT_EQ(checked->reason, "format.invalid");
}

TEST_F(AcknowledgementCheckTest, AGoodAcceptanceVerifiesToo) {
  ack_.accepted = true;
  ack_.reason.clear();
  ack_.problems.clear();
  auto checked = CheckDeliveryAcknowledgement(view_, Delivery(ack_, dcc_ds_), trust_);
  ASSERT_THAT(checked, IsOk());
  EXPECT_EQ(*checked, ack_);
  EXPECT_TRUE(checked->accepted);
}

TEST_F(AcknowledgementCheckTest, TheGatewaysSpellingOfTheRecipientDoesNotMatter) {
  DeliveryView delivery = Delivery(ack_, dcc_ds_);
  delivery.recipient = "ad7c000000000401";
  auto checked = CheckDeliveryAcknowledgement(view_, delivery, trust_);
  ASSERT_THAT(checked, IsOk());
  EXPECT_EQ(*checked, ack_);
}

TEST_F(AcknowledgementCheckTest, ASignatureOverOtherBytesIsRefused) {
  DeliveryView delivery = Delivery(ack_, dcc_ds_);
  // One byte of a problem changed: still a canonical acknowledgement, not the one signed.
  const size_t at = delivery.acknowledgement.find("'XX'");
  ASSERT_NE(at, std::string::npos);
  delivery.acknowledgement[at + 1] = 'Y';
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, delivery, trust_), "one byte changed",
                   "does not verify");

  DeliveryView unsigned_delivery = Delivery(ack_, dcc_ds_);
  unsigned_delivery.acknowledgement_signature.clear();
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, unsigned_delivery, trust_), "no signature",
                   "does not verify");
}

TEST_F(AcknowledgementCheckTest, ACertificateTheTrustDoesNotAcceptIsRefused) {
  testing::TestPki other;
  testing::Credential stranger = other.Party(kDcc, "04", KU_DIGITAL_SIGNATURE);
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, Delivery(ack_, stranger), trust_),
                   "another PKI", "untrusted certificate");

  // The recipient's own certificate, but for key agreement, not signing.
  testing::Credential ka = pki_.Party(kDcc, "04", KU_KEY_AGREEMENT);
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, Delivery(ack_, ka), trust_),
                   "a key-agreement certificate", "untrusted certificate");

  // Revoked.
  TrustConfig revoked = pki_.Trust(true, {dcc_ds_.cert.get()});
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, Delivery(ack_, dcc_ds_), revoked), "revoked",
                   "untrusted certificate");
}

TEST_F(AcknowledgementCheckTest, EachDisagreementWithTheViewIsRefused) {
  testing::Credential supplier_ds = pki_.Party(kSupplierA, "02", KU_DIGITAL_SIGNATURE);
  struct Case {
    const char* what;
    std::function<void(TransferView&, DeliveryView&)> change;
    std::string says;
  };
  const Case cases[] = {
      {"signed by another party in the recipient's name",
       [&](TransferView&, DeliveryView& d) { d = Delivery(ack_, supplier_ds); },
       std::string("is signed by ") + kSupplierA + " in the name of " + kDcc},
      {"shown as another recipient's",
       [&](TransferView&, DeliveryView& d) { d.recipient = kSupplierA; },
       std::string("is in the name of ") + kDcc + ", not of that recipient"},
      {"another transfer",
       [](TransferView& v, DeliveryView&) { v.id = "fedcba9876543210fedcba9876543210"; },
       "another transfer or envelope"},
      {"another envelope",
       [](TransferView& v, DeliveryView&) {
         v.envelope_sha256 = ToHex(Sha256Of(AsBytes("another envelope")));
       },
       "another transfer or envelope"},
      {"the gateway shows it accepted",
       [](TransferView&, DeliveryView& d) { d.state = "accepted"; },
       "says rejected (format.invalid), the gateway says accepted (format.invalid)"},
      {"the gateway shows it accepted without a reason",
       [](TransferView&, DeliveryView& d) {
         d.state = "accepted";
         d.reason.clear();
       },
       "says rejected (format.invalid), the gateway says accepted ()"},
      {"the gateway shows another reason",
       [](TransferView&, DeliveryView& d) { d.reason = "policy.denied"; },
       "says rejected (format.invalid), the gateway says rejected (policy.denied)"},
      {"the gateway shows it pending", [](TransferView&, DeliveryView& d) { d.state = "pending"; },
       "the gateway says pending"},
  };
  for (const Case& c : cases) {
    TransferView view = view_;
    DeliveryView delivery = Delivery(ack_, dcc_ds_);
    c.change(view, delivery);
    ExpectUnverified(CheckDeliveryAcknowledgement(view, delivery, trust_), c.what, c.says);
  }
}

TEST_F(AcknowledgementCheckTest, AnAcceptanceShownAsARejectionIsRefused) {
  ack_.accepted = true;
  ack_.reason.clear();
  ack_.problems.clear();
  DeliveryView delivery = Delivery(ack_, dcc_ds_);
  delivery.state = "rejected";
  delivery.reason = "format.invalid";
  ExpectUnverified(CheckDeliveryAcknowledgement(view_, delivery, trust_), "shown rejected",
                   "says accepted (), the gateway says rejected (format.invalid)");
}

}  // namespace
}  // namespace adtgw
