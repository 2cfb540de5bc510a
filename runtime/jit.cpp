// Kernel compilation and invocation (see jit.h).
#include "runtime/jit.h"

#include <chrono>
#include <cstring>

#include "ir/loop_verifier.h"
#include "ir/stopwatch.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "runtime/perf_map.h"

namespace njc::runtime {

namespace {

Diag error(std::string msg) {
  Diag d;
  d.message = std::move(msg);
  return d;
}

passes::TargetDesc desc(x86::Target t) {
  return {x86::target_lanes(t), x86::target_vector_registers(t)};
}

}  // namespace

JitKernel::JitKernel(JitKernel&& o) noexcept {
  *this = std::move(o);
}

JitKernel& JitKernel::operator=(JitKernel&& o) noexcept {
  if (this != &o) {
    debug_ = std::move(o.debug_);
    CodeArena::global().release(block_);
    block_ = o.block_;
    o.block_ = {};
    kernel_ = std::move(o.kernel_);
    asm_ = std::move(o.asm_);
    stats_ = o.stats_;
    code_bytes_ = o.code_bytes_;
    compile_us_ = o.compile_us_;
    passes_us_ = o.passes_us_;
    codegen_us_ = o.codegen_us_;
    map_us_ = o.map_us_;
  }
  return *this;
}

JitKernel::~JitKernel() {
  debug_.reset();
  CodeArena::global().release(block_);
}

void JitKernel::run(loop::BufferData& data) const {
  std::vector<float*> ptrs(data.size());
  for (size_t b = 0; b < data.size(); ++b) ptrs[b] = data[b].data();
  fn()(ptrs.data());
}

Expected<JitKernel> compile(const loop::Kernel& k, const JitOptions& o) {
  Stopwatch total;
  static const x86::CpuFeatures host = x86::host_cpu();  // cpuid costs more than a small kernel's codegen
  if (!x86::target_supported(o.target, host))
    return error("target " + std::string(x86::target_name(o.target)) + " is not supported by this CPU");
  if (Status s = loop::verify(k); !s) return s.error();
  JitKernel j;
  j.kernel_ = k;
  Stopwatch passes;
  if (o.opt_level >= 0) {
    Expected<passes::Pipeline> applied = passes::optimize(o.opt_level, j.kernel_, desc(o.target));
    if (!applied) return applied.error();
    if (Status s = loop::verify(j.kernel_); !s)
      return error("internal error: the -O" + std::to_string(o.opt_level) +
                   " pipeline produced invalid IR: " + s.error().message);
  }
  if (!o.passes.empty()) {
    Expected<passes::Pipeline> extra = passes::parse_pipeline(o.passes);
    if (!extra) return extra.error();
    passes::PassManager pm(passes::RunConfig{desc(o.target), true, {}, false});
    std::string dump;
    if (Status s = pm.run(*extra, j.kernel_, dump); !s) return s.error();
  }
  const double passes_us = passes.micros();
  x86::CodegenOptions co;
  co.target = o.target;
  co.listing = o.emit_asm;
  co.max_vector_registers = o.max_vector_registers;
  Stopwatch codegen;
  Expected<x86::CompiledCode> code = x86::generate(j.kernel_, co);
  if (!code) return code.error();
  const double codegen_us = codegen.micros();
  Stopwatch map;
  Expected<JitKernel> placed =
      place_code(std::move(j.kernel_), code->code.data(), code->code.size(), code->stats);
  if (!placed) return placed.error();
  placed->asm_ = std::move(code->listing);
  j = std::move(*placed);
  j.map_us_ = map.micros();
  j.passes_us_ = passes_us;
  j.codegen_us_ = codegen_us;
  j.compile_us_ = total.micros();
  return j;
}

Expected<JitKernel> place_code(loop::Kernel k, const uint8_t* code, size_t size,
                               const x86::CodegenStats& stats) {
  JitKernel j;
  CodeBlock b = CodeArena::global().allocate(size);
  if (!b) return error("cannot map executable memory");
  {
    WriteWindow w(b);
    if (!w.ok()) {
      CodeArena::global().release(b);
      return error("cannot make code memory writable");
    }
    std::memcpy(w.data(), code, size);
  }
  j.block_ = b;
  j.kernel_ = std::move(k);
  j.stats_ = stats;
  j.code_bytes_ = size;
  auto fn_bytes = static_cast<size_t>(stats.code_bytes);
  j.debug_ = std::make_unique<GdbJitRegistration>(b.ptr, fn_bytes, j.kernel_.name);
  perf_map_record(b.ptr, fn_bytes, j.kernel_.name);
  return j;
}

}  // namespace njc::runtime
