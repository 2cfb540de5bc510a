// Byte encoding of one instruction form: prefix, opcode, ModRM/SIB/disp, immediate.
#include "backend-x86/encoder.h"

#include <cstring>
#include <utility>

#include "backend-x86/modrm.h"
#include "backend-x86/prefix.h"

namespace njc::x86 {
namespace {

// Which operand feeds which field, per operand encoding (Enc). -1 = none.
struct Roles {
  int8_t reg;    // ModRM.reg
  int8_t rm;     // ModRM.rm (register or memory)
  int8_t vvvv;   // VEX/EVEX.vvvv
  int8_t opreg;  // low three bits of the opcode
};

constexpr Roles kRoles[] = {
    /* kZO   */ {-1, -1, -1, -1},
    /* kO    */ {-1, -1, -1, 0},
    /* kI    */ {-1, -1, -1, -1},
    /* kD    */ {-1, -1, -1, -1},
    /* kM    */ {-1, 0, -1, -1},
    /* kMR   */ {1, 0, -1, -1},
    /* kRM   */ {0, 1, -1, -1},
    /* kRVM  */ {0, 2, 1, -1},
    /* kMVR  */ {2, 0, 1, -1},
    /* kVM   */ {-1, 1, 0, -1},
    /* kRVMR */ {0, 2, 1, -1},
};

// spl, bpl, sil and dil exist only with a REX prefix (without one, 4-7 name ah, ch, dh, bh).
bool needs_rex_for_byte_reg(const Operand* ops) {
  for (int i = 0; i < 4; ++i) {
    if (ops[i].is_reg() && ops[i].reg.kind == RegKind::kGpr8 && ops[i].reg.id >= 4 && ops[i].reg.id < 8) {
      return true;
    }
  }
  return false;
}

// The EVEX disp8 scale N: the element size for a broadcast or a Tuple1 form, else the memory access size.
int evex_disp8_scale(const Form& f, int rm_slot, const Mem& m) {
  if (m.bcst || (f.flags & kFlagElemN)) return 4;
  const int size = kind_info(f.ops[rm_slot]).mem_size;
  return size > 0 ? size : 1;
}

uint8_t* put_imm(uint8_t* p, int64_t v, int size) {
  std::memcpy(p, &v, static_cast<size_t>(size));  // little-endian host: the low bytes come first
  return p + size;
}

}  // namespace

uint8_t* encode(const Form& f, const Operand* ops, uint8_t* p, uint8_t** disp32_at) {
  *disp32_at = nullptr;
  Roles ro = kRoles[static_cast<int>(f.enc)];
  uint8_t opcode = f.opcode;
  // VEX moves: `vmovups xmm0, xmm8` as the store form puts xmm8 in ModRM.reg (VEX.R), which VEX2 can hold.
  if ((f.flags & kFlagRevVex2) && ops[ro.rm].is_reg() && ops[ro.rm].reg.id >= 8 && ops[ro.reg].reg.id < 8) {
    std::swap(ro.reg, ro.rm);
    ++opcode;
  }

  PrefixFields pf;
  pf.kind = f.prefix;
  pf.pp = f.pp;
  pf.map = f.map;
  pf.w = f.w;
  pf.l = f.l;
  unsigned reg_field = f.digit >= 0 ? static_cast<unsigned>(f.digit) : 0;
  if (ro.reg >= 0) reg_field = pf.reg = ops[ro.reg].reg.id;
  if (ro.vvvv >= 0) pf.vvvv = ops[ro.vvvv].reg.id;
  if (ro.opreg >= 0) pf.rm = ops[ro.opreg].reg.id;
  const Operand* rm = ro.rm >= 0 ? &ops[ro.rm] : nullptr;
  int disp_scale = 1;
  if (rm != nullptr) {
    if (rm->is_reg()) {
      pf.rm = rm->reg.id;
    } else {
      const Mem& m = rm->mem;
      pf.rm_is_reg = false;
      pf.rm = m.base.kind == RegKind::kGpr64 ? m.base.id : 0;
      pf.index = m.index.valid() ? m.index.id : 0;
      pf.b = m.bcst;
      if (f.prefix == PrefixKind::kEvex) disp_scale = evex_disp8_scale(f, ro.rm, m);
    }
  }
  if (f.prefix == PrefixKind::kEvex) {
    pf.aaa = ops[0].mask;
    pf.z = ops[0].zero;
  } else if (f.prefix == PrefixKind::kLegacy) {
    pf.force_rex = needs_rex_for_byte_reg(ops);
  }

  p = emit_prefix(pf, p);
  *p++ = ro.opreg >= 0 ? static_cast<uint8_t>(opcode + (ops[ro.opreg].reg.id & 7)) : opcode;
  if (rm == nullptr && f.enc == Enc::kZO && f.digit >= 0) {
    *p++ = modrm(3, reg_field, 0);  // a fixed ModRM (xgetbv: 0F 01 D0)
  } else if (rm != nullptr) {
    if (rm->is_reg()) {
      *p++ = modrm(3, reg_field, rm->reg.id);
    } else {
      p = emit_mem_modrm(p, reg_field, rm->mem, disp_scale, disp32_at);
    }
  }
  if (f.imm_size != 0) {
    int last = 3;
    while (ops[last].type == OpType::kNone) --last;
    if (f.enc == Enc::kRVMR) {
      *p++ = static_cast<uint8_t>(ops[3].reg.id << 4);  // /is4: the fourth register in imm8[7:4]
    } else {
      p = put_imm(p, ops[last].imm, f.imm_size);
    }
  }
  return p;
}

int branch_size(const Form& f, bool is_short) {
  if (is_short) return 2;
  return f.map == kMap0F ? 6 : 5;
}

uint8_t* encode_branch(const Form& f, bool is_short, int32_t rel, uint8_t* p) {
  if (is_short) {
    // Jcc rel8 is 70+cc (the rel32 form is 0F 80+cc); JMP rel8 is EB.
    *p++ = f.map == kMap0F ? static_cast<uint8_t>(0x70 | (f.opcode & 15)) : 0xEB;
    *p++ = static_cast<uint8_t>(static_cast<int8_t>(rel));
    return p;
  }
  if (f.map == kMap0F) *p++ = 0x0F;
  *p++ = f.opcode;
  return put_le32(p, static_cast<uint32_t>(rel));
}

}  // namespace njc::x86
