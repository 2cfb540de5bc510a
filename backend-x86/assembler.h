// The Assembler: the API codegen uses to write x86-64 machine code. One method per mnemonic (generated from
// instr_table.def) plus a generic emit(); labels with rel8/rel32 branches relaxed at finalize(); a constant
// pool of RIP-relative data labels. Errors are values: each call returns an Error, and the first one is
// kept so a whole kernel can be emitted and checked once at finalize().
//
//   Assembler a;
//   Label loop = a.new_label();
//   a.bind(loop);
//   a.vfmadd231ps(zmm0, zmm1, ptr_b32(rdi + rcx*4 + 64));
//   a.sub(rcx, 1);
//   a.jne(loop);
//   if (Error e = a.finalize()) ...;  // a.code() has the bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend-x86/error.h"
#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86 {

class Assembler {
 public:
  Assembler();

  // Restricts matching to forms whose ISA bits are all in isa (default kIsaAll). A form that exists but
  // needs a disabled extension fails with kIsaDisabled.
  void set_isa(uint16_t isa) { isa_ = isa; }

  // When out is non-null, every instruction, label and pool entry is also appended to *out as a line of
  // GNU as Intel syntax (for -d dumps and the llvm-mc proof). Slower; off by default.
  void set_listing(std::string* out) { listing_ = out; }

  // A new unbound label.
  Label new_label();

  // Binds l to the current position. Fails with kBadLabel for an unknown or already bound label.
  Error bind(Label l);

  // Adds n bytes to the constant pool (placed after the code at finalize(), aligned to align, a power of
  // two ≤ 64) and returns a label for it, to be used as ptr(label) / ptr_b32(label).
  Label data(const void* bytes, size_t n, size_t align = 16);

  // Encodes one instruction. Returns kOk or the error (also kept as first_error() if it is the first).
  Error emit(Mnemonic m, const Operand& a = {}, const Operand& b = {}, const Operand& c = {},
             const Operand& d = {});

  // The table row the last successful emit() used (for tests and the listing).
  int last_form() const { return last_form_; }

  // Relaxes branches (rel8 where it reaches, else rel32), appends the constant pool, resolves every label
  // reference. Returns the first error of the whole emission, or kUnboundLabel. Call once.
  Error finalize();

  // The machine code: the code bytes followed by the pool. Valid after finalize().
  const std::vector<uint8_t>& code() const { return buf_; }

  // Bytes emitted so far (before finalize: without relaxation or pool).
  size_t size() const { return size_; }

  // Offset of a bound label in code() after finalize(); -1 if unbound.
  int64_t label_offset(Label l) const;

  Error first_error() const { return first_error_; }

  // Where the code refers to the constant pool, for object files that place the pool in its own section
  // (runtime/aot_build.h). Valid after finalize(); in emission order.
  struct PoolRef {
    uint32_t at;      // code offset of the RIP-relative disp32 field
    uint32_t end;     // code offset of the end of the instruction (the disp32 is relative to it)
    uint32_t target;  // offset of the referenced pool byte in code()
  };
  const std::vector<PoolRef>& pool_refs() const { return pool_refs_; }
  // Offset in code() where the pool starts, after the int3 padding; equal to code().size() when the pool
  // is empty. The code proper (relaxed, without padding) is code_end() bytes long. Valid after finalize().
  size_t pool_start() const { return pool_start_; }
  size_t code_end() const { return code_end_; }

  // One method per mnemonic: a.vaddps(zmm0, zmm1, zmm2), a.and_(eax, 1), a.jne(label), a.ret().
#define NJC_X86_MNEMONIC(name)                                                                             \
  Error name(const Operand& a = {}, const Operand& b = {}, const Operand& c = {}, const Operand& d = {}) { \
    return emit(Mnemonic::name, a, b, c, d);                                                               \
  }
#define NJC_X86_FORM(...)
#include "backend-x86/instr_table.def"
#undef NJC_X86_MNEMONIC
#undef NJC_X86_FORM

 private:
  struct LabelInfo {
    int64_t pos = -1;   // code offset, or pool offset for data labels
    bool data = false;  // a pool entry: pos is relative to the pool start
  };
  // A rel32 to patch at finalize: value = label + addend - end.
  struct Fixup {
    uint32_t at;   // offset of the rel32 field
    uint32_t end;  // offset of the end of the instruction
    uint32_t label;
    int32_t addend;
  };
  // A Jcc/JMP to a label: emitted short (2 bytes) or long, re-sized at finalize.
  struct Branch {
    uint32_t at;  // offset of the instruction
    uint32_t label;
    uint16_t form;
    uint8_t emitted;  // size in buf_ now
    uint8_t size;     // size after relaxation
  };

  Error fail(Error e);
  Error emit_branch(int form, const Operand& target);
  void grow(size_t need);
  void relax_branches();
  uint32_t relaxed_pos(uint32_t pos) const;
  void rewrite_with_branches();
  void append_pool();

  std::vector<uint8_t> buf_;
  size_t size_ = 0;
  uint16_t isa_ = kIsaAll;
  int last_form_ = -1;
  Error first_error_;
  bool finalized_ = false;
  std::vector<LabelInfo> labels_;
  std::vector<Fixup> fixups_;
  std::vector<Branch> branches_;
  std::vector<int64_t> branch_shift_;  // prefix sums of branch growth, see relaxed_pos()
  std::vector<uint8_t> pool_;
  size_t pool_align_ = 1;
  struct PoolEntry {
    uint32_t label;
    uint32_t align;
    uint32_t size;
  };
  std::vector<PoolEntry> pool_entries_;  // in pool order, for the listing
  std::vector<PoolRef> pool_refs_;
  size_t pool_start_ = 0;
  size_t code_end_ = 0;
  std::string* listing_ = nullptr;
};

}  // namespace njc::x86
