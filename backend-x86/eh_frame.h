// Call frame information (.eh_frame) for generated functions: the CFA program derived from the prologue and
// epilogue shape frame.cpp emits, and the .eh_frame section bytes (one CIE, one FDE per function). Used by
// the GDB JIT interface (runtime/gdb_jit.cpp, absolute addresses) and by object files (runtime/aot_build.cpp,
// PC-relative addresses resolved by relocations).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace njc::x86 {

// The DWARF CFA program of a function whose bytes are [code, code + size) and whose frame is:
//   push r...          (rbx 53, rbp 55, r12-r15 41 54..57)
//   sub rsp, N         (48 83 EC ib | 48 81 EC id), when N > 0
//   ... body ...
//   add rsp, N         (48 83 C4 ib | 48 81 C4 id)
//   pop r... reversed  (5B, 5D, 41 5C..5F)
//   vzeroupper         (C5 F8 77), optional
//   ret                (C3), the last byte
// CFA = rsp + 8 at entry; each push, the sub, the add and each pop move it. nullopt when the bytes do not
// have this shape (no CFI is better than a wrong one).
std::optional<std::vector<uint8_t>> frame_program(const uint8_t* code, size_t size);

// How an FDE names its function's start (the CIE's 'R' augmentation).
enum class EhPointer {
  kAbsolute64,    // DW_EH_PE_absptr: pc_begin and pc_range are 8-byte values (in-memory objects for gdb)
  kPcRelative32,  // DW_EH_PE_pcrel|sdata4: 4-byte fields; pc_begin is left 0 for a relocation to fill
};

struct EhFunction {
  uint64_t begin = 0;  // the address (kAbsolute64); ignored for kPcRelative32
  uint64_t size = 0;
  std::vector<uint8_t> program;  // from frame_program()
};

struct EhFrame {
  std::vector<uint8_t> bytes;
  std::vector<size_t> pc_begin_at;  // per function: offset of its FDE's pc_begin field in bytes
};

// The .eh_frame section:
//   CIE: length:4 | id:4 = 0 | version:1 = 1 | "zR\0" | code_align uleb 1 | data_align sleb -8 | RA:1 = 16
//        | aug_len uleb 1 | R | def_cfa rsp+8, offset ra at cfa-8 | pad to 8 (DW_CFA_nop)
//   FDE: length:4 | cie_ptr:4 (distance from this field back to the CIE) | pc_begin | pc_range
//        | aug_len uleb 0 | program | pad to 8
//   (one FDE per function) | zero terminator:4
EhFrame build_eh_frame(const std::vector<EhFunction>& functions, EhPointer pointers);

}  // namespace njc::x86
