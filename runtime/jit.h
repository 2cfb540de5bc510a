// The JIT: compiles a loop IR kernel (optionally through a -O pipeline of passes/) to machine code for a
// target, places it in W^X code memory and calls it on buffers. The model-level API (compile a model, create
// instances with state, run, reset) builds on this once the graph → loop lowering lands; see docs/runtime.md.
//
//   Expected<JitKernel> j = compile(kernel, {.target = x86::host_target(), .opt_level = 3});
//   loop::BufferData data = loop::make_buffers(j->kernel());   // fill inputs...
//   j->run(data);
#pragma once

#include <memory>
#include <string>

#include "backend-x86/codegen.h"
#include "ir/diag.h"
#include "ir/loop_interpreter.h"
#include "ir/loop_ir.h"
#include "runtime/code_arena.h"
#include "runtime/gdb_jit.h"

namespace njc::runtime {

struct JitOptions {
  x86::Target target = x86::host_target();
  int opt_level = -1;            // -1: compile the kernel as given; 0..3: passes::default_pipeline first
  std::string passes;            // an explicit pipeline ("tile{...},vectorize{...}"), run after opt_level's
  bool emit_asm = false;         // keep the assembly listing (assembly())
  int max_vector_registers = 0;  // x86::CodegenOptions: lower to force spills in tests
};

// A compiled kernel: owns its code block (returned to the arena on destruction) and its registration with
// the GDB JIT interface (runtime/gdb_jit.h). Move-only.
class JitKernel {
 public:
  using Fn = void (*)(float* const* buffers);

  JitKernel() = default;
  JitKernel(JitKernel&& o) noexcept;
  JitKernel& operator=(JitKernel&& o) noexcept;
  ~JitKernel();

  // The entry point; ABI in docs/codegen.md: buffers[b] for every non-param buffer b of kernel().
  Fn fn() const { return reinterpret_cast<Fn>(block_.ptr); }
  void run(float* const* buffers) const { fn()(buffers); }
  // Runs on interpreter-style buffers (one vector per buffer, sized as make_buffers(kernel()) makes them).
  void run(loop::BufferData& data) const;

  const uint8_t* code() const { return block_.ptr; }  // the entry; the function is stats().code_bytes long
  const loop::Kernel& kernel() const { return kernel_; }  // after the pipeline: what was compiled
  const std::string& assembly() const { return asm_; }
  const x86::CodegenStats& stats() const { return stats_; }
  size_t code_bytes() const { return code_bytes_; }
  double compile_micros() const { return compile_us_; }
  // Parts of compile_micros(): the pass pipeline, code generation (stats() splits it further) and mapping
  // the code executable. 0 for a kernel mapped from the code cache (runtime/code_cache.h).
  double passes_micros() const { return passes_us_; }
  double codegen_micros() const { return codegen_us_; }
  double map_micros() const { return map_us_; }

 private:
  friend Expected<JitKernel> compile(const loop::Kernel& k, const JitOptions& o);
  friend Expected<JitKernel> place_code(loop::Kernel k, const uint8_t* code, size_t size,
                                        const x86::CodegenStats& stats);
  CodeBlock block_;
  loop::Kernel kernel_;
  std::string asm_;
  x86::CodegenStats stats_;
  size_t code_bytes_ = 0;
  double compile_us_ = 0, passes_us_ = 0, codegen_us_ = 0, map_us_ = 0;
  std::unique_ptr<GdbJitRegistration> debug_;  // released before the block
};

// Verifies k, runs the requested pipeline, generates code and maps it executable; registers the kernel with
// the GDB JIT interface and, while it is enabled, the perf map (runtime/perf_map.h). User errors (invalid IR,
// a bad pipeline, a vector wider than the target, a target the host cannot run) are Diags.
Expected<JitKernel> compile(const loop::Kernel& k, const JitOptions& o);

// Maps code that compile() generated for k earlier (x86::CompiledCode::code: position-independent, the
// entry at offset 0) as a kernel, without compiling: the on-disk code cache's hits (runtime/code_cache.h).
// kernel() is then k as given (the pipeline does not change a kernel's non-param buffers, its ABI), and
// assembly() is empty.
Expected<JitKernel> place_code(loop::Kernel k, const uint8_t* code, size_t size,
                               const x86::CodegenStats& stats);

}  // namespace njc::runtime
