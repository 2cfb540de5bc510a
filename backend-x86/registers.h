// x86-64 registers as small typed values: general-purpose (8/16/32/64-bit), xmm/ymm/zmm 0-31 and the
// opmask registers k0-k7. Codegen names them through the constants below (rax, zmm17, k1, ...); the
// encoder reads only kind and id, so a register is two bytes and copies for free.
#pragma once

#include <cstdint>

namespace njc::x86 {

enum class RegKind : uint8_t { kNone, kGpr8, kGpr16, kGpr32, kGpr64, kXmm, kYmm, kZmm, kMask, kRip };

// One register. id is the hardware number (0-15 for GPRs, 0-31 for vectors, 0-7 for masks). The 8-bit
// ids 4-7 are spl, bpl, sil, dil (they need a REX prefix); ah..bh are not supported.
struct Reg {
  RegKind kind = RegKind::kNone;
  uint8_t id = 0;

  constexpr bool valid() const { return kind != RegKind::kNone; }
  constexpr bool is_gpr() const { return kind >= RegKind::kGpr8 && kind <= RegKind::kGpr64; }
  constexpr bool is_vec() const { return kind >= RegKind::kXmm && kind <= RegKind::kZmm; }
  constexpr bool operator==(const Reg&) const = default;
};

// A general-purpose register usable as a memory base or index (64-bit) also builds addresses; see
// operand.h. Distinct types would make `rax + rcx*4` typed; one Reg keeps the table matcher simple.
namespace detail {
constexpr Reg make(RegKind k, int id) {
  return Reg{k, static_cast<uint8_t>(id)};
}
}  // namespace detail

#define NJC_X86_GPR(n, i)                                          \
  inline constexpr Reg r##n = detail::make(RegKind::kGpr64, i);    \
  inline constexpr Reg r##n##d = detail::make(RegKind::kGpr32, i); \
  inline constexpr Reg r##n##w = detail::make(RegKind::kGpr16, i); \
  inline constexpr Reg r##n##b = detail::make(RegKind::kGpr8, i);
NJC_X86_GPR(8, 8)
NJC_X86_GPR(9, 9)
NJC_X86_GPR(10, 10)
NJC_X86_GPR(11, 11)
NJC_X86_GPR(12, 12)
NJC_X86_GPR(13, 13)
NJC_X86_GPR(14, 14)
NJC_X86_GPR(15, 15)
#undef NJC_X86_GPR

#define NJC_X86_LEGACY_GPR(q, d, w, b, i)                    \
  inline constexpr Reg q = detail::make(RegKind::kGpr64, i); \
  inline constexpr Reg d = detail::make(RegKind::kGpr32, i); \
  inline constexpr Reg w = detail::make(RegKind::kGpr16, i); \
  inline constexpr Reg b = detail::make(RegKind::kGpr8, i);
NJC_X86_LEGACY_GPR(rax, eax, ax, al, 0)
NJC_X86_LEGACY_GPR(rcx, ecx, cx, cl, 1)
NJC_X86_LEGACY_GPR(rdx, edx, dx, dl, 2)
NJC_X86_LEGACY_GPR(rbx, ebx, bx, bl, 3)
NJC_X86_LEGACY_GPR(rsp, esp, sp, spl, 4)
NJC_X86_LEGACY_GPR(rbp, ebp, bp, bpl, 5)
NJC_X86_LEGACY_GPR(rsi, esi, si, sil, 6)
NJC_X86_LEGACY_GPR(rdi, edi, di, dil, 7)
#undef NJC_X86_LEGACY_GPR

inline constexpr Reg rip = detail::make(RegKind::kRip, 0);

constexpr Reg gpr64(int id) {
  return detail::make(RegKind::kGpr64, id);
}
constexpr Reg gpr32(int id) {
  return detail::make(RegKind::kGpr32, id);
}
constexpr Reg gpr16(int id) {
  return detail::make(RegKind::kGpr16, id);
}
constexpr Reg gpr8(int id) {
  return detail::make(RegKind::kGpr8, id);
}
constexpr Reg xmm(int id) {
  return detail::make(RegKind::kXmm, id);
}
constexpr Reg ymm(int id) {
  return detail::make(RegKind::kYmm, id);
}
constexpr Reg zmm(int id) {
  return detail::make(RegKind::kZmm, id);
}
constexpr Reg kreg(int id) {
  return detail::make(RegKind::kMask, id);
}

#define NJC_X86_VEC(i)                  \
  inline constexpr Reg xmm##i = xmm(i); \
  inline constexpr Reg ymm##i = ymm(i); \
  inline constexpr Reg zmm##i = zmm(i);
// clang-format off
NJC_X86_VEC(0) NJC_X86_VEC(1) NJC_X86_VEC(2) NJC_X86_VEC(3) NJC_X86_VEC(4) NJC_X86_VEC(5) NJC_X86_VEC(6) NJC_X86_VEC(7)
NJC_X86_VEC(8) NJC_X86_VEC(9) NJC_X86_VEC(10) NJC_X86_VEC(11) NJC_X86_VEC(12) NJC_X86_VEC(13) NJC_X86_VEC(14) NJC_X86_VEC(15)
NJC_X86_VEC(16) NJC_X86_VEC(17) NJC_X86_VEC(18) NJC_X86_VEC(19) NJC_X86_VEC(20) NJC_X86_VEC(21) NJC_X86_VEC(22) NJC_X86_VEC(23)
NJC_X86_VEC(24) NJC_X86_VEC(25) NJC_X86_VEC(26) NJC_X86_VEC(27) NJC_X86_VEC(28) NJC_X86_VEC(29) NJC_X86_VEC(30) NJC_X86_VEC(31)
// clang-format on
#undef NJC_X86_VEC

                        inline constexpr Reg k0 = kreg(0),
                                             k1 = kreg(1), k2 = kreg(2), k3 = kreg(3), k4 = kreg(4),
                                             k5 = kreg(5), k6 = kreg(6), k7 = kreg(7);

// The assembler-syntax name of r ("rax", "r8d", "spl", "zmm17", "k1"); "?" for an invalid register.
const char* reg_name(Reg r);

}  // namespace njc::x86
