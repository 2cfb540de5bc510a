// Ahead-of-time builds: a whole model compiled to one ELF64 relocatable object (x86::ElfWriter) with a C
// entry point, plus the C header declaring it and, on request, the same module as GNU as text. This is what
// `njc MODEL --emit-obj` and `njc MODEL --emit-asm -o FILE.s` write (docs/aot.md).
//
//   auto m = runtime::build_aot(graph, {.target = x86::Target::kAvx2, .opt_level = 3, .name = "npc"});
//   write m->object to npc.o and aot_header(*m) to npc.h;  then, in C:
//     static char state[NPC_STATE_BYTES];  npc_init_state(state);  npc_run(inputs, outputs, state);
//
// Object layout (every function position-independent; no dynamic relocation is ever needed):
//   .text      per target variant, the kernels in call order (local FUNC <name>__<kernel>, or
//              <name>__<target>__<kernel> with several targets) and <name>__<target>_run; then the global
//              FUNCs <name>_select_target, <name>_target, <name>_run (the dispatcher, aot_dispatch.h) and
//              <name>_init_state; each 16-byte aligned, padded with int3
//   .rodata    each kernel's constant pool (weights, constants) at a 64-byte-aligned offset
//   .data      <name>__selected: the dispatcher's choice (4 bytes)
//   .rela.text R_X86_64_PC32 for every RIP-relative pool (S = .rodata) and slot (S = .data) reference
//   .eh_frame  one FDE per function (pc-relative, R_X86_64_PC32 in .rela.eh_frame)
//   .note.GNU-stack  empty: the code needs no executable stack
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend-x86/codegen.h"
#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/loop_ir.h"

namespace njc::runtime {

struct AotOptions {
  x86::Target target = x86::host_target();  // need not be runnable here: nothing is executed
  // More than one: the object holds a variant per target and a dispatcher that runs the best one the CPU
  // supports (runtime/aot_dispatch.h). Empty: {target}. Duplicates are ignored; the order is by width.
  std::vector<x86::Target> targets;
  int opt_level = 3;      // 0..3: the -O pipeline of each kernel (passes::optimize, as the JIT)
  std::string name;       // symbol prefix, a C identifier; empty: from the model's name
  bool assembly = false;  // also fill AotModule::assembly
  // Autotune every kernel at build time (runtime/autotune.h) and compile the fastest schedule instead of
  // the -O pipeline; opt_level is then unused. Times candidates, so the target must run on this CPU.
  bool tune = false;
  // The run entry sets flush-to-zero and denormals-are-zero for the call and restores the caller's MXCSR
  // (runtime/float_mode.h), as the JIT's run does.
  bool flush_denormals = true;
};

// One generated function in .text.
struct AotFunction {
  std::string symbol;
  size_t text_offset = 0;
  size_t size = 0;
  bool has_cfi = false;  // an FDE in .eh_frame (the frame had the shape x86::frame_program reads)
  bool global = false;   // an entry point of the header; the others are local symbols
  bool kernel = false;   // a kernel, whose listing ends with its constant pool
  std::string listing;   // with AotOptions::assembly: its code as GNU as lines (labels as the assembler's)
};

struct AotKernel {
  loop::Kernel kernel;  // after the -O pipeline: what was compiled
  x86::Target target = x86::Target::kAvx512;
  std::string symbol;  // PREFIX__<kernel>, or PREFIX__<target>__<kernel> in an object of several targets
  // With AotOptions::tune: the winning schedule, compiled as JitOptions{.opt_level = 0, .passes = tuned}.
  std::string tuned;
  x86::CompiledCode code;  // exactly what the JIT maps for the same kernel and options
  size_t rodata_offset = 0;
};

struct AotModule {
  std::string name;                           // the symbol prefix
  x86::Target target = x86::Target::kAvx512;  // the widest of targets
  std::vector<x86::Target> targets;           // the variants, widest first
  int opt_level = 3;
  bool tuned = false;
  std::vector<AotKernel> kernels;  // every variant's, variant after variant, each in call order
  // The kernels, each variant's PREFIX__<target>_run, then the globals PREFIX_select_target, PREFIX_target,
  // PREFIX_run (the dispatcher) and PREFIX_init_state.
  std::vector<AotFunction> functions;
  // The caller-provided block: every input, output, state and intermediate buffer (64-byte aligned
  // slots); a multiple of 64 bytes.
  size_t state_bytes = 0;
  int64_t batch = 1;
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;  // per instance, without the batch
    int64_t floats = 0;          // batch × elements copied in or out per call
  };
  std::vector<Tensor> inputs, outputs;
  std::vector<uint8_t> object;  // the ELF64 relocatable object
  std::string assembly;         // with AotOptions::assembly: GNU as text whose .text assembles to object's
};

// Returns true when s is a C identifier ([A-Za-z_][A-Za-z0-9_]*).
bool is_c_identifier(const std::string& s);

// Lowers, optimizes and compiles every kernel of g for o.target and links them with the entry functions into
// an object. Errors (Diags): a name that is not a C identifier, a kernel the target cannot express.
Expected<AotModule> build_aot(const Graph& g, const AotOptions& o);

}  // namespace njc::runtime
