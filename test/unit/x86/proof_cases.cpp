// Case generation for the encoder proof (see proof_cases.h).
#include "proof_cases.h"

#include <cstddef>
#include <cstdint>

namespace njc::x86::test {
namespace {

// Addresses covering each quirk: RSP/R12 bases (SIB), RBP/R13 bases (forced disp8), disp8/disp32 edges,
// EVEX disp8*N edges for N = 4, 16, 32, 64, SIB with and without base, RIP-relative and absolute.
std::vector<Mem> addresses() {
  std::vector<Mem> a = {
      ptr(rax),         ptr(r8),           ptr(rsp),          ptr(r12),
      ptr(rbp),         ptr(r13),          ptr(r15),          rbx + 1,
      rbx - 0x80,       rbx + 0x7f,        rbx + 0x80,        rbx - 0x81,
      rbx + 0x12345678, rbx - 0x7fffffff,  rsi + 4,           rsi + 16,
      rsi + 32,         rsi + 64,          rsi + 0x1fc,       rsi + 0x200,
      rsi + 0x7f0,      rsi + 0x800,       rsi + 0xfe0,       rsi + 0x1000,
      rsi + 0x1fc0,     rsi + 0x2000,      rsi - 0x2000,      rsi - 0x2040,
      rax + rcx * 1,    rax + rcx * 2 + 8, rsp + rcx * 4,     r12 + r15 * 8 + 0x100,
      rbp + rax * 1,    r13 + r12 * 2,     rdi + r9 * 4 - 64, rcx * 4 + 0x40,
      r9 * 8 + 0,       rip + 0x100,       rip - 8,
  };
  Mem absolute;
  absolute.disp = 0x1000;
  a.push_back(absolute);
  return a;
}

std::vector<Mem> broadcast_addresses() {
  return {ptr(rax), rbx + 4, rbx + 0x1fc, rbx + 0x200, r13 + r12 * 4 - 8, rsp + 0x40, rip + 0x40};
}

std::vector<Operand> regs(Reg (*make)(int), std::initializer_list<int> ids, int first) {
  std::vector<Operand> out = {make(first)};
  for (int id : ids) out.push_back(make(id));
  return out;
}

void add_mems(std::vector<Operand>& out, int size, bool bcst) {
  for (Mem m : addresses()) {
    m.size = static_cast<uint8_t>(size);
    out.push_back(m);
  }
  if (!bcst) return;
  for (Mem m : broadcast_addresses()) out.push_back(ptr_b32(m));
}

}  // namespace

std::vector<Operand> samples_for(OpKind k, int slot) {
  const int d = slot + 1;  // default register number differs per slot
  std::vector<Operand> out;
  const KindInfo& info = kind_info(k);
  switch (k) {
    case OpKind::kNone:
      return {Operand{}};
    case OpKind::kR8:
    case OpKind::kRm8:
      out = regs(gpr8, {0, 3, 4, 7, 8, 15}, 2 + d);
      break;
    case OpKind::kR16:
    case OpKind::kRm16:
      out = regs(gpr16, {0, 7, 9, 15}, 2 + d);
      break;
    case OpKind::kR32:
    case OpKind::kRm32:
      out = regs(gpr32, {0, 4, 5, 8, 12, 13, 15}, 2 + d);
      break;
    case OpKind::kR64:
    case OpKind::kRm64:
      out = regs(gpr64, {0, 4, 5, 8, 12, 13, 15}, 2 + d);
      break;
    case OpKind::kAl:
      return {al};
    case OpKind::kEax:
      return {eax};
    case OpKind::kRax:
      return {rax};
    case OpKind::kCl:
      return {cl};
    case OpKind::kOne:
      return {1};
    case OpKind::kImm8:
      return {5, 0, 1, -1, 127, -128};
    case OpKind::kUimm8:
      return {3, 0, 1, 127, 128, 255};
    case OpKind::kImm32:
      return {0x1234, 0x80, -0x81, 0x12345678, INT32_MAX, INT32_MIN, 7};
    case OpKind::kImm64:
      return {0x123456789LL, -0x80000001LL, INT64_MIN, INT64_MAX};
    case OpKind::kRel:
      return {};
    case OpKind::kX:
    case OpKind::kXm32:
    case OpKind::kXm128:
      out = regs(xmm, {0, 7, 8, 15}, d);
      break;
    case OpKind::kY:
    case OpKind::kYm256:
      out = regs(ymm, {0, 7, 8, 15}, d);
      break;
    case OpKind::kXe:
    case OpKind::kXme32:
    case OpKind::kXme128:
    case OpKind::kXmb128:
      out = regs(xmm, {0, 8, 15, 16, 23, 31}, d);
      break;
    case OpKind::kYe:
    case OpKind::kYme256:
    case OpKind::kYmb256:
      out = regs(ymm, {0, 8, 15, 16, 31}, d);
      break;
    case OpKind::kZ:
    case OpKind::kZm512:
    case OpKind::kZmb512:
      out = regs(zmm, {0, 8, 15, 16, 31}, d);
      break;
    case OpKind::kK:
    case OpKind::kKm16:
    case OpKind::kKm32:
      out = regs(kreg, {0, 7}, d);
      break;
    case OpKind::kM:
    case OpKind::kM8:
    case OpKind::kM16:
    case OpKind::kM32:
    case OpKind::kM64:
    case OpKind::kM128:
    case OpKind::kM256:
    case OpKind::kM512:
      break;
    case OpKind::kCount:
      return {};
  }
  if (info.classes & kClsMem) add_mems(out, info.mem_size, (info.classes & kClsB32) != 0);
  return out;
}

std::vector<ProofCase> cases_for_row(int row) {
  const Form& f = kForms[row];
  std::vector<ProofCase> out;
  if (f.enc == Enc::kD) return out;
  std::vector<Operand> samples[4];
  for (int i = 0; i < 4; ++i) samples[i] = samples_for(f.ops[i], i);
  ProofCase base{row, {samples[0][0], samples[1][0], samples[2][0], samples[3][0]}};
  out.push_back(base);
  for (int i = 0; i < 4; ++i) {
    for (size_t s = 1; s < samples[i].size(); ++s) {
      ProofCase c = base;
      c.ops[i] = samples[i][s];
      out.push_back(c);
    }
  }
  // Decorations, on the default tuple and on the last variant of every slot (high registers, broadcast).
  const size_t plain = out.size();
  if (f.flags & kFlagMask) {
    for (size_t i = 0; i < plain; i += 7) {
      ProofCase c = out[i];
      c.ops[0] = c.ops[0] | k1;
      out.push_back(c);
      if (f.flags & kFlagZero) {
        c.ops[0] = c.ops[0] | k7 | kZero;
        out.push_back(c);
      }
    }
  }
  return out;
}

// llvm-mc reads `jmp qword ptr [0x1000]` as a direct jump to 0x1000 (an Intel-syntax ambiguity) and cannot
// spell the absolute indirect form without a ds: prefix byte, so those two cases are left to the golden
// tests.
bool llvm_mc_cannot_spell(const ProofCase& c) {
  const Mnemonic m = kForms[c.row].mnemonic;
  if (m != Mnemonic::jmp && m != Mnemonic::call) return false;
  return c.ops[0].is_mem() && !c.ops[0].mem.base.valid() && !c.ops[0].mem.index.valid();
}

std::vector<ProofCase> all_proof_cases() {
  std::vector<ProofCase> out;
  for (int row = 0; row < kFormCount; ++row) {
    for (const ProofCase& c : cases_for_row(row)) {
      if (!llvm_mc_cannot_spell(c)) out.push_back(c);
    }
  }
  return out;
}

}  // namespace njc::x86::test
