// The prefix builder: one set of fields (W, R, X, B, R', V', vvvv, L, pp, map, aaa, z, b) and one emitter
// that writes the shortest legal prefix of the form's kind — legacy (mandatory prefix + optional REX + map
// escape), VEX2 or VEX3, or EVEX. Called by the encoder for every instruction, so it is inline and branchy
// only where the format is.
#pragma once

#include <cstdint>

#include "backend-x86/instr_table.h"

namespace njc::x86 {

// Register numbers are whole (0-31); the builder splits them into the extension bits.
struct PrefixFields {
  PrefixKind kind = PrefixKind::kLegacy;
  uint8_t pp = 0;          // kPpNone, kPp66, kPpF3, kPpF2
  uint8_t map = 0;         // kMap0, kMap0F, kMap0F38, kMap0F3A
  uint8_t w = 0;           // REX.W / VEX.W / EVEX.W
  uint8_t l = 0;           // VEX.L (0-1) / EVEX.L'L (0-2)
  uint8_t reg = 0;         // the ModRM.reg register (0-31); 0 for a /digit
  uint8_t rm = 0;          // the ModRM.rm register, or the memory base (0-15); or the opcode's +r register
  uint8_t index = 0;       // the SIB index register (0-15), 0 if none
  uint8_t vvvv = 0;        // the VEX/EVEX.vvvv register (0-31), 0 if none
  uint8_t aaa = 0;         // EVEX opmask k1-k7, 0 for none
  bool z = false;          // EVEX zeroing-masking
  bool b = false;          // EVEX embedded broadcast
  bool rm_is_reg = true;   // ModRM.mod == 11 (EVEX.X then extends rm to 32 registers)
  bool force_rex = false;  // spl/bpl/sil/dil need a REX even with all bits clear
};

inline constexpr uint8_t kMandatoryPrefix[4] = {0, 0x66, 0xF3, 0xF2};

// Legacy: [66|F3|F2] [REX] [0F [38|3A]].
//
//   REX:  7 6 5 4   3   2   1   0
//        +-------+---+---+---+---+
//        |0 1 0 0| W | R | X | B |   R extends ModRM.reg, X the SIB index, B ModRM.rm / SIB base / opcode reg
//        +-------+---+---+---+---+
inline uint8_t* emit_legacy_prefix(const PrefixFields& f, uint8_t* p) {
  if (f.pp != kPpNone) *p++ = kMandatoryPrefix[f.pp];
  const unsigned rex = (f.w << 3) | ((f.reg >> 3 & 1) << 2) | ((f.index >> 3 & 1) << 1) | (f.rm >> 3 & 1);
  if (rex != 0 || f.force_rex) *p++ = static_cast<uint8_t>(0x40 | rex);
  if (f.map != kMap0) {
    *p++ = 0x0F;
    if (f.map == kMap0F38) *p++ = 0x38;
    if (f.map == kMap0F3A) *p++ = 0x3A;
  }
  return p;
}

// VEX. The two-byte form is legal when X, B and W are clear and the map is 0F; otherwise three bytes.
// Inverted fields (R̄ = ~R etc.) are written with a leading ~.
//
//   VEX2:  C5   7    6 5 4 3   2   1 0
//              +----+--------+---+-----+
//              | ~R | ~vvvv  | L | pp  |
//              +----+--------+---+-----+
//   VEX3:  C4   7    6    5    4 3 2 1 0       7   6 5 4 3   2   1 0
//              +----+----+----+---------+     +---+--------+---+-----+
//              | ~R | ~X | ~B | m-mmmm  |     | W | ~vvvv  | L | pp  |
//              +----+----+----+---------+     +---+--------+---+-----+
inline uint8_t* emit_vex_prefix(const PrefixFields& f, uint8_t* p) {
  const unsigned r = f.reg >> 3 & 1, x = f.index >> 3 & 1, b = f.rm >> 3 & 1;
  const unsigned tail = ((~f.vvvv & 15u) << 3) | (f.l << 2) | f.pp;
  if (x == 0 && b == 0 && f.w == 0 && f.map == kMap0F) {
    p[0] = 0xC5;
    p[1] = static_cast<uint8_t>(((r ^ 1) << 7) | tail);
    return p + 2;
  }
  p[0] = 0xC4;
  p[1] = static_cast<uint8_t>(((r ^ 1) << 7) | ((x ^ 1) << 6) | ((b ^ 1) << 5) | f.map);
  p[2] = static_cast<uint8_t>((f.w << 7) | tail);
  return p + 3;
}

// EVEX: 62 P0 P1 P2. With a register rm, X extends it to 32 registers (bit 4); with memory, X is the index
// extension. R' and V' are bit 4 of ModRM.reg and vvvv.
//
//   P0:  7    6    5    4     3 2   1 0        P1:  7   6 5 4 3   2   1 0      P2:  7   6 5   4   3    2 1 0
//       +----+----+----+-----+-----+-----+          +---+--------+---+-----+ +---+-----+---+-----+-----+ | ~R
//       | ~X | ~B | ~R' | 0 0 | mm  |          | W | ~vvvv  | 1 | pp  |         | z | L'L | b | ~V' | aaa |
//       +----+----+----+-----+-----+-----+          +---+--------+---+-----+ +---+-----+---+-----+-----+
inline uint8_t* emit_evex_prefix(const PrefixFields& f, uint8_t* p) {
  const unsigned r = f.reg >> 3 & 1, r2 = f.reg >> 4 & 1;
  const unsigned x = f.rm_is_reg ? (f.rm >> 4 & 1) : (f.index >> 3 & 1);
  const unsigned b = f.rm >> 3 & 1;
  const unsigned v2 = f.vvvv >> 4 & 1;
  p[0] = 0x62;
  p[1] = static_cast<uint8_t>(((r ^ 1) << 7) | ((x ^ 1) << 6) | ((b ^ 1) << 5) | ((r2 ^ 1) << 4) | f.map);
  p[2] = static_cast<uint8_t>((f.w << 7) | ((~f.vvvv & 15u) << 3) | 0x04 | f.pp);
  p[3] = static_cast<uint8_t>((f.z << 7) | (f.l << 5) | (f.b << 4) | ((v2 ^ 1) << 3) | f.aaa);
  return p + 4;
}

// Writes the prefix selected by f.kind at p; returns the position after it.
inline uint8_t* emit_prefix(const PrefixFields& f, uint8_t* p) {
  switch (f.kind) {
    case PrefixKind::kLegacy:
      return emit_legacy_prefix(f, p);
    case PrefixKind::kVex:
      return emit_vex_prefix(f, p);
    case PrefixKind::kEvex:
      return emit_evex_prefix(f, p);
  }
  return p;
}

}  // namespace njc::x86
