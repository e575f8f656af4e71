// ClientSession: what every client command (send, push, inbox, receive, status) does
// before and after talking to the gateway: load the client configuration (--config,
// $ADTGW_CONFIG, ~/.config/adtgw/client.yaml; --gateway overrides its URL, --timeout
// its timeouts (client_timeouts.h); the SRV
// catalogue resolved as docs/formats.md section 8 says), connect, and witness the
// gateway's audit log against the newest checkpoint this client has seen
// (checkpoint_witness.h), so that a forked or rolled-back log stops the command before
// anything is sent. ProveReceipt is what makes a send a success: the receipt's entry
// is in a tree signed with the log key, consistent with what this client has seen.
//
// Ownership: a session owns its configuration, its API client and its witness.
// Thread safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "gateway/client/checkpoint_witness.h"
#include "gateway/client/client_config.h"
#include "gateway/client/gateway_api.h"
#include "gateway/client/receipt_verifier.h"

namespace adtgw {

struct ClientFlags {
  std::string config;
  std::string gateway;
  std::vector<std::string> timeouts;  // each "connect=5s,handshake=30s,idle=60s" or part
  bool json = false;
};

// --config, --gateway, --timeout and --json.
void AddClientFlags(CLI::App* cmd, ClientFlags& flags);

// --timeout NAME=DURATION[,...] (repeatable) into `timeouts`.
void AddTimeoutFlag(CLI::App* cmd, std::vector<std::string>& timeouts);
// Applies the --timeout values, in order, over the configuration's timeouts.
Status ApplyTimeoutFlags(const std::vector<std::string>& flags, ClientTimeouts& timeouts);

struct ClientSession {
  ClientConfig config;
  std::unique_ptr<GatewayApi> api;
  CheckpointWitness witness{""};
};

// Loads the configuration only (no network).
Result<ClientConfig> LoadClientConfigFor(const ClientFlags& flags);
// Loads the configuration, connects and witnesses the log.
Result<ClientSession> ConnectClient(const ClientFlags& flags);
// Checks a receipt against the log key and witnesses its checkpoint.
Result<VerifiedReceipt> ProveReceipt(ClientSession& session, const std::string& receipt_json);

}  // namespace adtgw
