// Shared state of one kernel's code generation (internal to backend-x86): the assembler, the target, the
// constant pool and the reserved scratch registers. isel.cpp drives it; vector_math.cpp expands math ops
// through it.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "backend-x86/assembler.h"
#include "backend-x86/target_features.h"

namespace njc::x86 {

class CodeContext {
 public:
  explicit CodeContext(Target t) : target_(t) { a.set_isa(target_isa(t)); }

  Assembler a;

  Target target() const { return target_; }
  bool avx512() const { return target_ == Target::kAvx512; }
  bool sse() const { return target_ == Target::kSse4; }

  // The register of vector id for a value of `lanes` lanes: xmm for 1 and 4, ymm for 8, zmm for 16.
  static Reg vreg(int id, int lanes) { return lanes == 16 ? zmm(id) : lanes == 8 ? ymm(id) : xmm(id); }
  static Reg as_lanes(Reg r, int lanes) { return vreg(r.id, lanes); }

  // A memory operand of the access width of `lanes` (xmmword for scalars too: scalar math uses packed
  // xmm forms).
  static Mem sized(Mem m, int lanes) {
    m.size = static_cast<uint8_t>(lanes == 16 ? 64 : lanes == 8 ? 32 : 16);
    return m;
  }

  // A 64-byte pool entry holding 16 copies of bits, RIP-relative, sized for `lanes`.
  Mem cst_bits(uint32_t bits, int lanes) { return sized(ptr(pool_entry({bits, 16})), lanes); }
  Mem cst(float v, int lanes) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return cst_bits(b, lanes);
  }
  // A pool vector whose first n lanes are all-ones (vector masks for AVX2/SSE).
  Mem lane_mask(int n, int lanes) {
    return sized(ptr(pool_entry({0xffffffffu, static_cast<uint32_t>(n)})), lanes);
  }

  // Scratch vector registers (never allocated): scratch(i) as a register of `lanes` lanes.
  void set_scratch(std::vector<int> ids, int temp_base) {
    scratch_ = std::move(ids);
    temp_base_ = temp_base;
  }
  Reg scratch(int i, int lanes) const { return vreg(scratch_.at(static_cast<size_t>(i)), lanes); }
  // Expansion temporaries (reduce, recip, math): free while the current op is being expanded.
  Reg temp(int i, int lanes) const { return scratch(temp_base_ + i, lanes); }
  int temps() const { return static_cast<int>(scratch_.size()) - temp_base_; }

  // sse4: the register vec_ops.cpp uses to emulate a three-operand form whose destination aliases the
  // second source (never allocated, never a temp).
  void set_fix(int id) { fix_ = id; }

  // ---- target-neutral vector operations (vec_ops.cpp) -----------------------------------------------
  // Each takes the AVX three-operand view (`d = op(x, y)`) and emits the VEX form, or on sse4 the legacy
  // two-operand form: x is copied into d first, or, when d aliases y, the operation runs in the fix register
  // (commutative ops just swap). Memory operands of non-move ops must be 16-byte aligned on sse4 (the
  // constant pool is). xmm/ymm/zmm registers are passed as they are; sse4 only ever sees xmm.
  // op is one of the v*ps / vp*d mnemonics with a legacy twin (see sse_twin in vec_ops.cpp).
  void op3(Mnemonic op, Reg d, Reg x, const Operand& y);
  // d = op(x) for one-source forms (vsqrtps, vcvtdq2ps, vcvttps2dq).
  void op2(Mnemonic op, Reg d, const Operand& x);
  // d = x shifted by imm (vpslld, vpsrld, vpsrad).
  void shift(Mnemonic op, Reg d, Reg x, int imm);
  // d = x rounded with the roundps/rndscale mode imm (0 = nearest even).
  void round(Reg d, Reg x, int imm);
  // A move: register to register (movaps), or a load/store (movups: no alignment needed).
  void mov(const Operand& d, const Operand& s);
  // d = cmp(x, y) as all-ones/zero lanes; pred is the AVX predicate (0x00-0x1f). sse4 maps it onto the
  // eight legacy predicates, swapping the operands for GT/GE/NGE; signalling vs quiet is irrelevant (no
  // exception is unmasked).
  void cmp(Reg d, Reg x, const Operand& y, int pred);
  // d = m ? t : f per lane (m all-ones or zero per lane). vblendvps, or y ^ ((t ^ f) & m) on sse4.
  void select(Reg d, Reg m, const Operand& t, const Operand& f);
  // d = x * y + z. One fma on avx2/avx512 (231 or 213 form by aliasing); mulps then addps on sse4, so the
  // result is rounded twice there.
  void fma(Reg d, Reg x, const Operand& y, const Operand& z);
  // d = z - x * y (vfnmadd231ps; two roundings on sse4).
  void fnma(Reg d, Reg x, const Operand& y, const Operand& z);
  // d = s[0] in every lane (vbroadcastss, or shufps d, d, 0).
  void splat(Reg d, Reg s, int lanes);

  // The opmask k1 holds a cached "first n lanes" mask for masked accesses; math expansions clobber it.
  int k1_lanes = -1;

 private:
  Label pool_entry(std::pair<uint32_t, uint32_t> key) {
    auto it = pool_.find(key);
    if (it != pool_.end()) return it->second;
    uint32_t data[16];
    for (uint32_t i = 0; i < 16; ++i) data[i] = i < key.second ? key.first : 0u;
    Label l = a.data(data, sizeof data, 64);
    pool_.emplace(key, l);
    return l;
  }

  Target target_;
  int fix_ = -1;
  std::vector<int> scratch_;
  int temp_base_ = 0;
  std::map<std::pair<uint32_t, uint32_t>, Label> pool_;
};

// vector_math.cpp: dst = f(src) lane-wise for `lanes` lanes, with documented error bounds
// (docs/codegen.md). src is not modified until the last instruction; dst may equal src. Use temps 0-4.
void emit_exp(CodeContext& c, Reg dst, Reg src, int lanes);
void emit_log(CodeContext& c, Reg dst, Reg src, int lanes);
void emit_tanh(CodeContext& c, Reg dst, Reg src, int lanes);
void emit_sigmoid(CodeContext& c, Reg dst, Reg src, int lanes);

}  // namespace njc::x86
