// libFuzzer target: ReadJson (gateway/common/json_reader.h), the one JSON reader every
// network and file input goes through (docs/api.md, "JSON rules").
//
// The whole input is read with a nesting cap of 8 and a size cap of 64 KiB.
//
// Checks: a refusal is kInvalidInput with one of the reader's six codes and a message;
// an accepted value re-encodes to the same value: serialize() reads back (with the
// same caps) to a value equal to it, and serializing that gives the identical bytes;
// and cpprestsdk's own, more lenient parser reads the input to the same value (so the
// strict reader accepts nothing that is not JSON to a general parser).
//
// Seeds (ADTGW_FUZZ_WRITE_SEEDS=DIR): small documents with every kind of value, escapes
// and surrogate pairs, limits of the integers, and near misses of each refusal.
#include <cpprest/json.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gateway/common/json_reader.h"
#include "tests/fuzz/fuzz_support.h"

using namespace adtgw;
using namespace adtgw::fuzz;

namespace {

const JsonRules kRules{"fuzz", "fuzz", 64 * 1024, 8};

std::vector<der::Bytes> MakeSeeds() {
  std::vector<der::Bytes> out;
  for (const char* text : {
           "{}",
           "[]",
           "{\"a\":[1,-2,true,false,null,\"x\"],\"b\":{\"c\":{}}}",
           "[18446744073709551615,-9223372036854775808,0,-0]",
           "\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t \xE2\x82\xAC\"",
           " \t\r\n{ \"k\" : [ 1 , 2 ] } \n",
           "{\"manifest\":\"eyJ2ZXJzaW9uIjoxfQ==\",\"signature\":\"MAMCAQA=\"}",
           "{\"a\":1,\"a\":2}",
           "{\"a\":1,}",
           "{\"a\":1 /* c */}",
           "[NaN,Infinity]",
           "\"\\ud800\"",
           "\"\xC0\xAF\"",
           "[1.5,1e3,18446744073709551616]",
           "[[[[[[[[[1]]]]]]]]]",
       }) {
    out.push_back(BytesOf(text));
  }
  return out;
}

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MaybeWriteSeedsAndExit(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> kCodes = {"fuzz.empty",     "fuzz.too_large",
                                               "fuzz.malformed", "fuzz.duplicate_key",
                                               "fuzz.bad_text",  "fuzz.bad_number"};
  auto read = ReadJson({data, size}, kRules);
  if (!read.ok()) {
    const Error& e = read.error();
    if (e.kind != ErrorKind::kInvalidInput || !kCodes.count(e.code) || e.message.empty()) {
      InvariantFailed("a refusal outside the reader's vocabulary");
    }
    return 0;
  }
  const std::string once = read->serialize();
  JsonRules roomy = kRules;
  roomy.max_size = 8 * once.size() + 16;
  auto again = ReadJson(Span(once), roomy);
  if (!again.ok()) InvariantFailed("an accepted value's serialization is refused");
  if (!(*again == *read)) InvariantFailed("an accepted value reads back different");
  if (again->serialize() != once) InvariantFailed("serializing twice gives other bytes");

  web::json::value lenient;
  try {
    lenient = web::json::value::parse(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception&) {
    InvariantFailed("the strict reader accepted what a general parser refuses");
  }
  if (!(lenient == *read)) InvariantFailed("the strict reader and a general parser disagree");
  return 0;
}
