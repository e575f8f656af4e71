#include "gateway/formats/adt_file.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "gateway/formats/field_checks.h"
#include "gateway/formats/signer_binding.h"

namespace adtgw {
namespace {

// Columns (1-based), docs/formats.md, ADT/1.
enum Column : uint32_t {
  kRec = 1,
  kUser,
  kRole,
  kSrv,
  kType,
  kPeriod,
  kCount,
  kEffective,
  kNote,
  kFields = kNote
};

constexpr uint16_t kAnySrv = 0xFFFF;  // `*`

// What the cross-row rules need of a row: 32 bytes.
struct Row {
  uint64_t user;
  uint64_t line;
  uint32_t period;
  uint32_t count;
  uint16_t srv;
  uint8_t role;
  uint8_t quarantine;  // 0 WARNING, 1 QUARANTINE
  auto Key() const { return std::tuple(user, role, srv, period); }
};

static_assert(sizeof(Row) == 32, "docs/formats.md counts 32 bytes a row");

uint64_t UserKey(const Eui64& e) {
  uint64_t v = 0;
  for (uint8_t b : e.bytes()) v = (v << 8) | b;
  return v;
}

class AdtRules final : public RecordRules {
 public:
  explicit AdtRules(const DomainFileOptions& options)
      : catalogue_(*options.catalogue), binding_(options) {}

  std::string_view format() const override { return "ADT/1"; }
  std::string_view header_row() const override { return kAdtHeaderRow; }
  size_t fields() const override { return kFields; }

  void Header(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    User(f, line, p);
    Role(f, line, p);
    for (uint32_t c : {kSrv, kType, kPeriod, kCount}) CheckEmpty(f[c - 1], line, c, p);
    CheckUtcTime(f[kEffective - 1], line, kEffective, p);
    auto tag = CheckFormatTag(f[kNote - 1], "ADT/1", "fmt=ADT/1;ref=<service management reference>",
                              line, kNote, p);
    if (!tag) return;
    if (auto ref = tag->Get("ref"); !ref || ref->empty()) {
      p.Add(line, kNote, "header.no_reference",
            "the H record names no service management reference (ref=...)");
    }
  }

  void Detail(std::span<const std::string_view> f, uint64_t line, FileProblems& p) override {
    Row row{};
    row.line = line;
    bool whole = true;  // every field the cross-row rules use is valid
    auto user = User(f, line, p);
    auto role = Role(f, line, p);
    whole = user && role;
    if (user) row.user = UserKey(*user);
    if (role) row.role = static_cast<uint8_t>(*role);

    std::string_view srv = f[kSrv - 1];
    if (srv == "*") {
      row.srv = kAnySrv;
    } else if (const SrvEntry* e = catalogue_.Find(srv)) {
      row.srv = static_cast<uint16_t>(e - catalogue_.entries().data());
      if (role && !e->Allows(*role)) {
        p.Add(line, kSrv, "adt.role_not_eligible",
              std::string(UserRoleName(*role)) + " may not send SRV " + e->srv + " (" + e->name +
                  "), so it has no threshold to set");
      }
    } else {
      p.Add(line, kSrv, "adt.unknown_srv",
            "'" + ClipField(srv) + "' is not an SRV of the catalogue (or * for all)");
      whole = false;
    }

    std::string_view type = f[kType - 1];
    if (type == "WARNING" || type == "QUARANTINE") {
      row.quarantine = type == "QUARANTINE";
    } else {
      p.Add(line, kType, "adt.bad_threshold_type",
            "'" + ClipField(type) + "' is not WARNING or QUARANTINE");
      whole = false;
    }
    if (auto period = ParseIsoDuration(f[kPeriod - 1])) {
      row.period = *period;
    } else {
      p.Add(line, kPeriod, "field.bad_period",
            "'" + ClipField(f[kPeriod - 1]) + "' is not a period such as PT1H, PT24H or P7D");
      whole = false;
    }
    if (auto count = ParseCount32(f[kCount - 1])) {
      row.count = *count;
    } else {
      p.Add(line, kCount, "field.bad_count",
            "'" + ClipField(f[kCount - 1]) + "' is not a count from 0 to 4294967295");
      whole = false;
    }
    CheckUtcTime(f[kEffective - 1], line, kEffective, p);
    if (whole) rows_.push_back(row);
  }

  void Finish(FileProblems& p) override {
    std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
      return std::tuple(a.Key(), a.quarantine, a.line) < std::tuple(b.Key(), b.quarantine, b.line);
    });
    for (size_t i = 0; i < rows_.size();) {
      size_t end = i;
      while (end < rows_.size() && rows_[end].Key() == rows_[i].Key()) ++end;
      const Row* warning = nullptr;
      const Row* quarantine = nullptr;
      for (size_t k = i; k < end; ++k) {
        const Row& r = rows_[k];
        const Row*& first = r.quarantine ? quarantine : warning;
        if (first != nullptr) {
          p.Add(r.line, kType, "adt.duplicate",
                "the same user, role, SRV, threshold type and period as line " +
                    std::to_string(first->line));
          continue;
        }
        first = &r;
      }
      if (warning != nullptr && quarantine != nullptr && quarantine->count < warning->count) {
        p.Add(quarantine->line, kCount, "adt.quarantine_below_warning",
              "the QUARANTINE count " + std::to_string(quarantine->count) +
                  " is below the WARNING count " + std::to_string(warning->count) + " of line " +
                  std::to_string(warning->line) + " for the same period");
      }
      i = end;
    }
    rows_.clear();
  }

 private:
  std::optional<Eui64> User(std::span<const std::string_view> f, uint64_t line, FileProblems& p) {
    auto user = CheckEui64(f[kUser - 1], line, kUser, p);
    if (user && !binding_.Allows(*user)) {
      p.Add(line, kUser, "binding.not_signer", binding_.Refusal(*user));
    }
    return user;
  }

  static std::optional<UserRole> Role(std::span<const std::string_view> f, uint64_t line,
                                      FileProblems& p) {
    auto role = ParseUserRole(f[kRole - 1]);
    if (!role) {
      p.Add(line, kRole, "field.bad_role",
            "'" + ClipField(f[kRole - 1]) + "' is not a User Role (IS, ES, GS, ED, GT, RSA, OU)");
    }
    return role;
  }

  const SrvCatalogue& catalogue_;
  SignerBinding binding_;
  std::vector<Row> rows_;
};

}  // namespace

std::unique_ptr<RecordRules> MakeAdtRules(const DomainFileOptions& options) {
  return std::make_unique<AdtRules>(options);
}

}  // namespace adtgw
