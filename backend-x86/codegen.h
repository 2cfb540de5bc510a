// Code generation from loop IR to x86-64 machine code: the public face of isel.cpp (instruction
// selection), regalloc.cpp (liveness + linear scan), vector_math.cpp (exp/log/tanh/sigmoid) and frame.cpp
// (System V prologue/epilogue). The runtime (runtime/jit.h) copies the bytes into executable memory.
//
// ABI of the generated function (docs/codegen.md):
//   void kernel(float* const* buffers);      System V: buffers in rdi
//   buffers[b] points at the data of buffer b (BufferId order) for every input, output, state and scratch
//   buffer; entries of param buffers are ignored (params live in the code's read-only constant pool and
//   are addressed RIP-relative). No alignment is required. The function clobbers only caller-saved
//   registers, keeps the stack 16-byte aligned and executes vzeroupper before returning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend-x86/assembler.h"
#include "backend-x86/target_features.h"
#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::x86 {

struct CodegenOptions {
  Target target = Target::kAvx512;
  bool listing = false;  // fill CompiledCode::listing with GNU as Intel-syntax text (--emit-asm)
  // Vector registers the allocator may use; 0 = all the target leaves after its scratch registers. Tests
  // lower it to force spilling.
  int max_vector_registers = 0;
};

struct CodegenStats {
  int code_bytes = 0;      // machine code, without the constant pool
  int spilled_values = 0;  // SSA values given a stack slot instead of a register
  int frame_bytes = 0;     // stack frame below the saved registers
  // Where generate() spent its time, in µs: register allocation (live intervals and linear scan, every
  // attempt), instruction selection with encoding, and finalize (branch sizes, label and pool fixups).
  double regalloc_us = 0, select_encode_us = 0, finalize_us = 0;
};

struct CompiledCode {
  // Position-independent: code then constant pool; the entry is offset 0. Place it at a 64-byte-aligned
  // address: pool entries are aligned relative to offset 0, and sse4 code uses them as memory operands of
  // legacy SSE instructions, which fault on a misaligned 16-byte access.
  std::vector<uint8_t> code;
  // For object files (runtime/aot_build.h), which put the pool in .rodata: the function is
  // code[0, code_end) (stats.code_bytes is taken before branch relaxation, which may grow it), the pool is
  // code[pool_start, end), and every RIP-relative reference into the pool is listed.
  size_t code_end = 0;
  size_t pool_start = 0;
  std::vector<Assembler::PoolRef> pool_refs;
  std::string listing;  // when CodegenOptions::listing
  CodegenStats stats;
};

// Compiles a verified kernel for opts.target. Fails with a Diag (user error) when the kernel uses vectors
// wider than the target (f32x16 needs avx512, f32x8 avx2); internal inconsistencies (an encoding the
// selector should never produce) come back as a Diag starting with "internal error:".
Expected<CompiledCode> generate(const loop::Kernel& k, const CodegenOptions& opts);

}  // namespace njc::x86
