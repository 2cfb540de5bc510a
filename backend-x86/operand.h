// Instruction operands: registers (with an optional AVX-512 opmask and zeroing), memory references,
// immediates and labels. Codegen builds them with a small expression syntax:
//   zmmword_ptr(rdi + rcx*4 + 64), ptr_b32(rsi + 8), ptr(label), zmm0 | k1 | kZero, int64 immediates.
// An Operand is 24 bytes of plain data; nothing here allocates or validates (the operand checker does).
#pragma once

#include <cstdint>

#include "backend-x86/registers.h"

namespace njc::x86 {

// A code or data position, created by Assembler::new_label() / Assembler::data(). id indexes the
// assembler's label table; kNoLabel marks "none".
inline constexpr uint32_t kNoLabel = 0xffffffffu;
struct Label {
  uint32_t id = kNoLabel;
  constexpr bool valid() const { return id != kNoLabel; }
};

// [base + index*scale + disp], or [rip + disp], or [rip + label + disp], or [disp] (absolute).
// size is the access width in bytes (0: let the instruction form decide); bcst marks an AVX-512 {1toN}
// broadcast of 32-bit elements.
struct Mem {
  Reg base;
  Reg index;
  uint8_t scale = 1;
  uint8_t size = 0;
  bool bcst = false;
  int32_t disp = 0;
  uint32_t label = kNoLabel;
};

// index*scale, the middle of `rax + rcx*4`.
struct ScaledIndex {
  Reg index;
  uint8_t scale;
};

constexpr ScaledIndex operator*(Reg index, int scale) {
  return {index, static_cast<uint8_t>(scale)};
}
constexpr Mem operator+(Reg base, ScaledIndex si) {
  return Mem{base, si.index, si.scale, 0, false, 0};
}
constexpr Mem operator+(Reg base, int32_t disp) {
  return Mem{base, Reg{}, 1, 0, false, disp};
}
constexpr Mem operator-(Reg base, int32_t disp) {
  return Mem{base, Reg{}, 1, 0, false, -disp};
}
constexpr Mem operator+(Reg base, Reg index) {
  return Mem{base, index, 1, 0, false, 0};
}
constexpr Mem operator+(Mem m, int32_t disp) {
  return m.disp += disp, m;
}
constexpr Mem operator-(Mem m, int32_t disp) {
  return m.disp -= disp, m;
}
constexpr Mem operator+(Mem m, ScaledIndex si) {
  return m.index = si.index, m.scale = si.scale, m;
}
constexpr Mem operator+(ScaledIndex si, int32_t disp) {
  return Mem{Reg{}, si.index, si.scale, 0, false, disp};
}

namespace detail {
constexpr Mem sized(Mem m, uint8_t size) {
  return m.size = size, m;
}
constexpr Mem as_mem(Reg base) {
  return Mem{base, Reg{}, 1, 0, false, 0};
}
constexpr Mem as_mem(Label l) {
  return Mem{rip, Reg{}, 1, 0, false, 0, l.id};
}
constexpr Mem as_mem(ScaledIndex si) {
  return Mem{Reg{}, si.index, si.scale, 0, false, 0};
}
constexpr Mem as_mem(Mem m) {
  return m;
}
}  // namespace detail

// Memory operands. ptr() leaves the size to the instruction form (the first form that fits is used);
// the sized variants pick the form by width. ptr(label) is a RIP-relative reference to a label.
template <class A>
constexpr Mem ptr(A a) {
  return detail::as_mem(a);
}
template <class A>
constexpr Mem byte_ptr(A a) {
  return detail::sized(detail::as_mem(a), 1);
}
template <class A>
constexpr Mem word_ptr(A a) {
  return detail::sized(detail::as_mem(a), 2);
}
template <class A>
constexpr Mem dword_ptr(A a) {
  return detail::sized(detail::as_mem(a), 4);
}
template <class A>
constexpr Mem qword_ptr(A a) {
  return detail::sized(detail::as_mem(a), 8);
}
template <class A>
constexpr Mem xmmword_ptr(A a) {
  return detail::sized(detail::as_mem(a), 16);
}
template <class A>
constexpr Mem ymmword_ptr(A a) {
  return detail::sized(detail::as_mem(a), 32);
}
template <class A>
constexpr Mem zmmword_ptr(A a) {
  return detail::sized(detail::as_mem(a), 64);
}
// A 32-bit element broadcast to every lane: dword ptr [..]{1to16} for zmm, {1to8} ymm, {1to4} xmm.
template <class A>
constexpr Mem ptr_b32(A a) {
  Mem m = detail::sized(detail::as_mem(a), 4);
  m.bcst = true;
  return m;
}

// The {z} decoration: `zmm0 | k1 | kZero` zeroes masked-off lanes instead of merging.
struct Zeroing {};
inline constexpr Zeroing kZero{};

enum class OpType : uint8_t { kNone, kReg, kMem, kImm, kLabel };

// One operand. mask (1-7, 0 = none) and zero decorate the destination of an EVEX instruction.
struct Operand {
  OpType type = OpType::kNone;
  uint8_t mask = 0;
  bool zero = false;
  Reg reg;
  union {
    Mem mem;
    int64_t imm;
    uint32_t label;
  };

  constexpr Operand() : imm(0) {}
  constexpr Operand(Reg r) : type(OpType::kReg), reg(r), imm(0) {}
  constexpr Operand(Mem m) : type(OpType::kMem), mem(m) {}
  constexpr Operand(Label l) : type(OpType::kLabel), label(l.id) {}
  constexpr Operand(int v) : type(OpType::kImm), imm(v) {}
  constexpr Operand(unsigned v) : type(OpType::kImm), imm(v) {}
  constexpr Operand(long v) : type(OpType::kImm), imm(v) {}
  constexpr Operand(unsigned long v) : type(OpType::kImm), imm(static_cast<int64_t>(v)) {}
  constexpr Operand(long long v) : type(OpType::kImm), imm(v) {}
  constexpr Operand(unsigned long long v) : type(OpType::kImm), imm(static_cast<int64_t>(v)) {}

  constexpr bool is_reg() const { return type == OpType::kReg; }
  constexpr bool is_mem() const { return type == OpType::kMem; }
  constexpr bool is_imm() const { return type == OpType::kImm; }
  constexpr bool is_label() const { return type == OpType::kLabel; }
};

// Opmask and zeroing decorations: `zmm0 | k1`, `zmm0 | k1 | kZero`, `zmmword_ptr(rdi) | k2`. Anything but
// k1-k7 as a write mask is recorded as kBadMask and rejected by the operand checker.
inline constexpr uint8_t kBadMask = 0xff;
constexpr Operand operator|(Operand o, Reg k) {
  return o.mask = (k.kind == RegKind::kMask && k.id != 0) ? k.id : kBadMask, o;
}
constexpr Operand operator|(Reg r, Reg k) {
  return Operand(r) | k;
}
constexpr Operand operator|(Mem m, Reg k) {
  return Operand(m) | k;
}
constexpr Operand operator|(Operand o, Zeroing) {
  return o.zero = true, o;
}

}  // namespace njc::x86
