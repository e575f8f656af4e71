// RetryPolicy: the pause before each retry (doubling to a cap, with optional jitter in
// the upper half of each step) and which failures are worth retrying.
#include "gateway/client/transfer_sender.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <vector>

namespace adtgw {
namespace {

using std::chrono::milliseconds;

std::vector<int64_t> Delays(const RetryPolicy& policy, int attempts) {
  std::vector<int64_t> out;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    out.push_back(policy.Delay(attempt).count());
  }
  return out;
}

TEST(RetryPolicyTest, DefaultsMatchAdtgwSend) {
  RetryPolicy policy;
  EXPECT_EQ(policy.max_attempts, 12);
  EXPECT_EQ(policy.first_delay, milliseconds(500));
  EXPECT_EQ(policy.max_delay, milliseconds(8000));
  EXPECT_FALSE(policy.jitter);
  EXPECT_FALSE(policy.deadline.has_value());
  EXPECT_FALSE(policy.retry_handshake_failures);
}

TEST(RetryPolicyTest, DelayDoublesToTheCap) {
  RetryPolicy policy;
  EXPECT_EQ(Delays(policy, 8),
            (std::vector<int64_t>{500, 1000, 2000, 4000, 8000, 8000, 8000, 8000}));
  EXPECT_EQ(policy.Delay(12), milliseconds(8000));
  EXPECT_EQ(policy.Delay(1000), milliseconds(8000)) << "a long run must not overflow";
}

TEST(RetryPolicyTest, DelayFollowsTheConfiguredSteps) {
  RetryPolicy policy;
  policy.first_delay = milliseconds(100);
  policy.max_delay = milliseconds(1000);
  EXPECT_EQ(Delays(policy, 6), (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000}));

  policy.first_delay = milliseconds(300);
  policy.max_delay = milliseconds(1000);
  EXPECT_EQ(Delays(policy, 4), (std::vector<int64_t>{300, 600, 1000, 1000}));

  // adtgw push's: 0.5 s doubling to 30 s.
  policy.first_delay = milliseconds(500);
  policy.max_delay = milliseconds(30000);
  EXPECT_EQ(Delays(policy, 8),
            (std::vector<int64_t>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000}));
}

TEST(RetryPolicyTest, FirstDelayAboveTheCapIsCapped) {
  RetryPolicy policy;
  policy.first_delay = milliseconds(5000);
  policy.max_delay = milliseconds(2000);
  EXPECT_EQ(Delays(policy, 3), (std::vector<int64_t>{2000, 2000, 2000}));
}

TEST(RetryPolicyTest, JitterPicksFromTheUpperHalfOfEachStep) {
  RetryPolicy policy;
  policy.jitter = true;
  const std::vector<int64_t> steps = {500, 1000, 2000, 4000, 8000, 8000};
  for (int attempt = 1; attempt <= static_cast<int>(steps.size()); ++attempt) {
    const int64_t step = steps[attempt - 1];
    std::set<int64_t> seen;
    for (int i = 0; i < 500; ++i) {
      const int64_t d = policy.Delay(attempt).count();
      ASSERT_GE(d, step / 2) << "attempt " << attempt;
      ASSERT_LE(d, step) << "attempt " << attempt;
      seen.insert(d);
    }
    // 500 draws from about step/2 values: a fixed or nearly fixed delay is no jitter.
    EXPECT_GT(seen.size(), 50u) << "attempt " << attempt;
    EXPECT_LT(*seen.begin(), step * 5 / 8) << "attempt " << attempt;
    EXPECT_GT(*seen.rbegin(), step * 7 / 8) << "attempt " << attempt;
  }
}

TEST(RetryPolicyTest, WithoutJitterTheDelayIsAlwaysTheSame) {
  RetryPolicy policy;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(policy.Delay(3), milliseconds(2000));
}

TEST(RetryPolicyTest, TransientErrorsAreRetried) {
  const std::vector<Error> transient = {
      MakeError(ErrorKind::kUnavailable, "net.unreachable", "down"),
      MakeError(ErrorKind::kUnavailable, "gateway.busy", "503"),
      MakeError(ErrorKind::kUnavailable, "anything", "busy"),
      MakeError(ErrorKind::kConflict, "upload.in_progress", "still held"),
      MakeError(ErrorKind::kConflict, "upload.offset_mismatch", "resume from elsewhere"),
  };
  RetryPolicy policy;
  for (const Error& e : transient) {
    EXPECT_TRUE(IsTransientSendError(e)) << e.code;
    EXPECT_TRUE(policy.Retries(e)) << e.code;
  }
}

TEST(RetryPolicyTest, OtherErrorsAreNotRetried) {
  const std::vector<Error> lasting = {
      MakeError(ErrorKind::kConflict, "transfer.exists", "taken"),
      MakeError(ErrorKind::kIntegrity, "receipt.bad_signature", "forged"),
      MakeError(ErrorKind::kDenied, "policy.denied", "no"),
      MakeError(ErrorKind::kInvalidInput, "upload.bad_range", "bad"),
      MakeError(ErrorKind::kIo, "net.read", "reset"),
      MakeError(ErrorKind::kTrust, "cert.revoked", "revoked"),
      MakeError(ErrorKind::kUnauthenticated, "tls.handshake_failed", "refused"),
  };
  RetryPolicy policy;
  for (const Error& e : lasting) {
    EXPECT_FALSE(IsTransientSendError(e)) << e.code;
    EXPECT_FALSE(policy.Retries(e)) << e.code;
  }
}

TEST(RetryPolicyTest, HandshakeFailuresOnlyWhenAsked) {
  const Error handshake = MakeError(ErrorKind::kUnauthenticated, "tls.handshake_failed", "refused");
  const Error other = MakeError(ErrorKind::kUnauthenticated, "tls.peer_unknown", "who?");
  RetryPolicy policy;
  EXPECT_FALSE(policy.Retries(handshake));
  policy.retry_handshake_failures = true;
  EXPECT_TRUE(policy.Retries(handshake));
  EXPECT_FALSE(policy.Retries(other)) << "only the handshake failure is added";
  EXPECT_FALSE(IsTransientSendError(handshake)) << "the flag belongs to the policy alone";
  EXPECT_TRUE(policy.Retries(MakeError(ErrorKind::kUnavailable, "net.unreachable", "down")));
}

}  // namespace
}  // namespace adtgw
