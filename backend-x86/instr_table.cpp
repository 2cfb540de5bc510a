// The instruction-form rows (expanded from instr_table.def), the operand-kind facts, and the per-mnemonic
// row ranges used by the operand checker. Everything here is constant data built at compile time.
#include "backend-x86/instr_table.h"

#include <array>
#include <cstring>

namespace njc::x86 {
constexpr Form kForms[kFormCount] = {
#define NJC_X86_MNEMONIC(name)
#define NJC_X86_FORM(name, enc, o0, o1, o2, o3, pfx, pp, map, opc, w, l, digit, imm, isa, flags) \
  Form{Mnemonic::name,                                                                           \
       Enc::k##enc,                                                                              \
       {OpKind::k##o0, OpKind::k##o1, OpKind::k##o2, OpKind::k##o3},                             \
       PrefixKind::k##pfx,                                                                       \
       kPp##pp,                                                                                  \
       kMap##map,                                                                                \
       static_cast<uint8_t>(opc),                                                                \
       w,                                                                                        \
       l,                                                                                        \
       digit,                                                                                    \
       imm,                                                                                      \
       static_cast<uint16_t>(isa),                                                               \
       static_cast<uint8_t>(flags)},
#include "backend-x86/instr_table.def"
#undef NJC_X86_MNEMONIC
#undef NJC_X86_FORM
};

namespace {

constexpr size_t kMnemonicCount = static_cast<size_t>(Mnemonic::kCount);

// Row ranges per mnemonic. The .def promises contiguous rows in mnemonic order; checked here at compile time.
}  // namespace

constexpr std::array<FormRange, kMnemonicCount> kFormRanges = [] {
  std::array<FormRange, kMnemonicCount> ranges{};
  for (int i = 0; i < kFormCount; ++i) {
    FormRange& r = ranges[static_cast<size_t>(kForms[i].mnemonic)];
    if (r.last == 0) r.first = static_cast<uint16_t>(i);
    r.last = static_cast<uint16_t>(i + 1);
  }
  return ranges;
}();

namespace {

constexpr bool rows_are_grouped() {
  for (int i = 1; i < kFormCount; ++i) {
    if (static_cast<int>(kForms[i].mnemonic) < static_cast<int>(kForms[i - 1].mnemonic)) return false;
    if (static_cast<int>(kForms[i].mnemonic) > static_cast<int>(kForms[i - 1].mnemonic) + 1) return false;
  }
  return static_cast<int>(kForms[kFormCount - 1].mnemonic) + 1 == static_cast<int>(kMnemonicCount);
}

// Names with the C++-keyword underscore removed.
constexpr const char* kRawNames[] = {
#define NJC_X86_MNEMONIC(name) #name,
#define NJC_X86_FORM(...)
#include "backend-x86/instr_table.def"
#undef NJC_X86_MNEMONIC
#undef NJC_X86_FORM
};

struct NameTable {
  char text[kMnemonicCount][20];
};

constexpr NameTable make_names() {
  NameTable t{};
  for (size_t m = 0; m < kMnemonicCount; ++m) {
    const char* s = kRawNames[m];
    size_t n = 0;
    while (s[n] != '\0') ++n;
    if (n > 0 && s[n - 1] == '_') --n;
    for (size_t i = 0; i < n; ++i) t.text[m][i] = s[i];
  }
  return t;
}

constexpr NameTable kNames = make_names();

}  // namespace

static_assert(rows_are_grouped(),
              "instr_table.def: rows of a mnemonic must follow its NJC_X86_MNEMONIC line");

constexpr std::array<std::array<uint32_t, 4>, kFormCount> kFormClasses = [] {
  std::array<std::array<uint32_t, 4>, kFormCount> t{};
  for (int i = 0; i < kFormCount; ++i) {
    for (int j = 0; j < 4; ++j) {
      const OpKind k = kForms[i].ops[j];
      t[i][j] = k == OpKind::kNone ? kClsNone : kind_info(k).classes;
    }
  }
  return t;
}();

const char* mnemonic_name(Mnemonic m) {
  if (static_cast<size_t>(m) >= kMnemonicCount) return "?";
  return kNames.text[static_cast<size_t>(m)];
}

Mnemonic find_mnemonic(const char* name) {
  for (size_t m = 0; m < kMnemonicCount; ++m) {
    if (std::strcmp(kNames.text[m], name) == 0) return static_cast<Mnemonic>(m);
  }
  return Mnemonic::kCount;
}

}  // namespace njc::x86
