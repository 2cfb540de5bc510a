// ModRM, SIB and displacement: the tiny pure helpers the encoder uses after the opcode, one named helper
// per addressing quirk (RSP/R12 base needs a SIB, RBP/R13 base needs a displacement, RIP-relative, absolute,
// EVEX disp8*N compression).
#pragma once

#include <cstdint>
#include <cstring>

#include "backend-x86/operand.h"

namespace njc::x86 {

//   ModRM:  7 6   5 4 3   2 1 0        SIB:  7 6     5 4 3   2 1 0
//          +-----+-------+-------+          +-------+-------+-------+
//          | mod |  reg  |  rm   |          | scale | index | base  |
//          +-----+-------+-------+          +-------+-------+-------+
// mod 11 = register rm; 00/01/10 = memory with no/disp8/disp32; rm 100 = a SIB follows; mod 00 rm 101 =
// [rip + disp32]; SIB base 101 with mod 00 = no base, disp32; SIB index 100 = no index.
constexpr uint8_t modrm(unsigned mod, unsigned reg, unsigned rm) {
  return static_cast<uint8_t>((mod << 6) | ((reg & 7) << 3) | (rm & 7));
}
constexpr uint8_t sib(unsigned scale_log2, unsigned index, unsigned base) {
  return static_cast<uint8_t>((scale_log2 << 6) | ((index & 7) << 3) | (base & 7));
}

constexpr unsigned scale_log2(uint8_t scale) {
  return scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
}

// Base registers whose low bits are 100 (RSP, R12) can only be named through a SIB byte.
constexpr bool base_needs_sib(Reg base) {
  return (base.id & 7) == 4;
}

// Base registers whose low bits are 101 (RBP, R13) with mod 00 mean "RIP" or "no base", so they always carry
// a displacement (disp8 0 when there is none).
constexpr bool base_needs_disp(Reg base) {
  return (base.id & 7) == 5;
}

// The disp8 for disp under EVEX compression by n (n = 1 for legacy and VEX): true and *out when disp is a
// multiple of n and disp / n fits in a signed byte.
constexpr bool compress_disp8(int32_t disp, int n, int8_t* out) {
  if (disp % n != 0) return false;
  const int32_t q = disp / n;
  if (q < -128 || q > 127) return false;
  *out = static_cast<int8_t>(q);
  return true;
}

inline uint8_t* put_le32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);  // x86 is little-endian, as is the host
  return p + 4;
}

// Writes ModRM [+ SIB] [+ disp] for memory operand m with ModRM.reg = reg. n is the EVEX disp8 scale (1 for
// legacy/VEX). *disp32_at receives the position of a disp32 (for RIP-relative label fixups), or nullptr.
// The address must already be validated (operand_check.cpp).
inline uint8_t* emit_mem_modrm(uint8_t* p, unsigned reg, const Mem& m, int n, uint8_t** disp32_at) {
  *disp32_at = nullptr;
  if (m.base.kind == RegKind::kRip) {
    *p++ = modrm(0, reg, 5);
    *disp32_at = p;
    return put_le32(p, static_cast<uint32_t>(m.disp));
  }
  const bool has_index = m.index.valid();
  if (!m.base.valid()) {  // [index*scale + disp32] or absolute [disp32]: SIB with base 101, mod 00
    *p++ = modrm(0, reg, 4);
    *p++ = sib(scale_log2(m.scale), has_index ? m.index.id : 4, 5);
    return put_le32(p, static_cast<uint32_t>(m.disp));
  }
  int8_t d8 = 0;
  unsigned mod = 2;
  if (m.disp == 0 && !base_needs_disp(m.base)) {
    mod = 0;
  } else if (compress_disp8(m.disp, n, &d8)) {
    mod = 1;
  }
  if (has_index || base_needs_sib(m.base)) {
    *p++ = modrm(mod, reg, 4);
    *p++ = sib(scale_log2(m.scale), has_index ? m.index.id : 4, m.base.id);
  } else {
    *p++ = modrm(mod, reg, m.base.id);
  }
  if (mod == 1) *p++ = static_cast<uint8_t>(d8);
  if (mod == 2) p = put_le32(p, static_cast<uint32_t>(m.disp));
  return p;
}

}  // namespace njc::x86
