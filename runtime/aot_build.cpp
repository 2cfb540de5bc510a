// Ahead-of-time builds (see aot_build.h): kernels compiled exactly as the JIT compiles them, the entry
// functions generated with the project's assembler, and everything linked into one ELF relocatable object.
#include "runtime/aot_build.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>

#include "backend-x86/eh_frame.h"
#include "backend-x86/elf_writer.h"
#include "backend-x86/frame.h"
#include "backend-x86/printer.h"
#include "ir/assert.h"
#include "ir/loop_verifier.h"
#include "passes/lower_graph.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "runtime/aot_assembly.h"
#include "runtime/aot_dispatch.h"
#include "runtime/autotune.h"
#include "runtime/float_mode.h"

namespace njc::runtime {

namespace {

using namespace x86;  // registers and operand builders

constexpr uint8_t kInt3 = 0xCC;
constexpr size_t kFunctionAlign = 16, kPoolAlign = 64, kSlotAlign = 64;

Diag error(std::string msg) {
  Diag d;
  d.message = std::move(msg);
  return d;
}

size_t align_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

// The pipeline and code generation, step for step what runtime::compile (jit.cpp) does for a kernel with
// JitOptions{target, opt_level, passes}, minus mapping the bytes: the two must give the same code.
Expected<AotKernel> compile_kernel(const loop::Kernel& k, x86::Target target, int opt_level,
                                   const std::string& passes, bool listing) {
  if (Status s = loop::verify(k); !s) return s.error();
  AotKernel out;
  out.kernel = k;
  const passes::TargetDesc desc{target_lanes(target), target_vector_registers(target)};
  // The level's pipeline as the JIT applies it (runtime/jit.cpp): built while optimizing, verified once.
  // Replaying the recorded pipeline with a verification after each pass cost a walk of the kernel per
  // pass, quadratic for a kernel of thousands of loops.
  Expected<passes::Pipeline> applied = passes::optimize(opt_level, out.kernel, desc);
  if (!applied) return applied.error();
  if (Status s = loop::verify(out.kernel); !s)
    return error("internal error: the -O" + std::to_string(opt_level) +
                 " pipeline produced invalid IR: " + s.error().message);
  if (!passes.empty()) {
    Expected<passes::Pipeline> extra = passes::parse_pipeline(passes);
    if (!extra) return extra.error();
    passes::PassManager pm(passes::RunConfig{desc, true, {}, false});
    std::string dump;
    if (Status s = pm.run(*extra, out.kernel, dump); !s) return s.error();
  }
  CodegenOptions co;
  co.target = target;
  co.listing = listing;
  Expected<CompiledCode> code = generate(out.kernel, co);
  if (!code) return code.error();
  out.code = std::move(*code);
  return out;
}

// A kernel as AotOptions ask: the -O pipeline, or (tune) the autotuner's fastest schedule at opt_level 0.
Expected<AotKernel> build_kernel(const loop::Kernel& k, const AotOptions& o) {
  if (!o.tune) return compile_kernel(k, o.target, o.opt_level, "", o.assembly);
  TuneOptions t;
  t.target = o.target;
  Expected<std::string> best = autotune_kernel(k, t);
  if (!best) return best.error();
  Expected<AotKernel> out = compile_kernel(k, o.target, 0, *best, o.assembly);
  if (out) out->tuned = *best;
  return out;
}

// The state block: one 64-byte-aligned slot per distinct non-param buffer name (as CompiledModel shares
// buffers by name between kernels).
class StateLayout {
 public:
  size_t slot(const std::string& name, size_t floats) {
    auto [it, fresh] = slots_.emplace(name, Slot{bytes_, floats});
    if (fresh) bytes_ = align_up(bytes_ + 4 * floats, kSlotAlign);
    NJC_ASSERT(it->second.floats == floats, "buffer " + name + " has two sizes");
    return it->second.offset;
  }
  size_t bytes() const { return std::max(bytes_, kSlotAlign); }
  // The byte offset of a placed buffer, or nothing when no kernel or copy uses it.
  std::optional<size_t> find(const std::string& name) const {
    auto it = slots_.find(name);
    if (it == slots_.end()) return std::nullopt;
    return it->second.offset;
  }

 private:
  struct Slot {
    size_t offset, floats;
  };
  std::map<std::string, Slot> slots_;
  size_t bytes_ = 0;
};

int32_t disp(size_t v) {
  NJC_ASSERT(v <= 0x7fffffff, "state offset beyond 2 GiB");
  return static_cast<int32_t>(v);
}

// Copies n ≥ 1 floats from [src] to [dst] (rsi, rdi), clobbering rax and r8d.
void emit_copy(Assembler& a, int64_t n) {
  NJC_ASSERT(n >= 1 && n <= 0x7fffffff, "copy size");
  a.xor_(eax, eax);
  Label loop = a.new_label();
  a.bind(loop);
  a.mov(r8d, dword_ptr(rsi + rax * 4));
  a.mov(dword_ptr(rdi + rax * 4), r8d);
  a.add(rax, 1);
  a.cmp(rax, static_cast<int32_t>(n));
  a.jne(loop);
}

// MXCSR with FZ (bit 15) and DAZ (bit 6) set, the caller's value saved; written only when it changes.
//   stmxcsr [saved]; mov eax, [saved]; or eax, 0x8040; mov [run], eax; cmp eax, [saved]; je 1f
//   ldmxcsr [run]; 1:
void emit_set_flush_modes(Assembler& a, const Mem& saved, const Mem& run) {
  a.stmxcsr(saved);
  a.mov(eax, saved);
  a.or_(eax, static_cast<int32_t>(kMxcsrFlushToZero | kMxcsrDenormalsAreZero));
  a.mov(run, eax);
  a.cmp(eax, saved);
  Label unchanged = a.new_label();
  a.je(unchanged);
  a.ldmxcsr(run);
  a.bind(unchanged);
}

// The caller's MXCSR control bits back, when emit_set_flush_modes changed them; the exception flags the
// run raised stay raised:
//   mov eax, [run]; cmp eax, [saved]; je 1f
//   stmxcsr [run]; mov eax, [run]; and eax, 0x3f; or eax, [saved]; mov [run], eax; ldmxcsr [run]; 1:
void emit_restore_flush_modes(Assembler& a, const Mem& saved, const Mem& run) {
  a.mov(eax, run);
  a.cmp(eax, saved);
  Label unchanged = a.new_label();
  a.je(unchanged);
  a.stmxcsr(run);
  a.mov(eax, run);
  a.and_(eax, static_cast<int32_t>(kMxcsrExceptionFlags));
  a.or_(eax, saved);
  a.mov(run, eax);
  a.ldmxcsr(run);
  a.bind(unchanged);
}

struct RunPlan {
  std::vector<std::pair<size_t, int64_t>> inputs, outputs;  // state offset, floats
  std::vector<std::vector<int64_t>> tables;                 // per kernel, per buffer: offset, -1 for params
};

// A variant's run(const float* const* inputs, float* const* outputs, void* state):
//   push rbx, r12, r13; sub rsp, table + 8      rbx = inputs, r12 = outputs, r13 = state
//   [flush] MXCSR |= FZ | DAZ, the caller's saved at [rsp + table]
//   copy each input into its slot
//   per kernel: the buffer table at [rsp] (state + slot offset; 0 for params), call the kernel with rdi = rsp
//   copy each output out of its slot
//   [flush] the caller's MXCSR back (when it was changed)
//   add rsp; pop; ret
// The calls name the kernels' symbols and are pointed at them when .text is laid out.
Expected<EntryCode> emit_run(const RunPlan& plan, const std::vector<std::string>& kernel_symbols, bool flush,
                             bool listing) {
  EntryBuilder b(listing);
  Assembler& a = b.a;
  size_t table = 1;
  for (const auto& t : plan.tables) table = std::max(table, t.size());
  const FrameLayout frame = layout_frame({rbx, r12, r13}, static_cast<int>(8 * table + 8));
  const Mem saved_mxcsr = dword_ptr(rsp + disp(8 * table)), run_mxcsr = dword_ptr(rsp + disp(8 * table + 4));
  emit_prologue(a, frame);
  if (flush) emit_set_flush_modes(a, saved_mxcsr, run_mxcsr);
  a.mov(rbx, rdi);
  a.mov(r12, rsi);
  a.mov(r13, rdx);
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    a.mov(rsi, qword_ptr(rbx + disp(8 * i)));
    a.lea(rdi, ptr(r13 + disp(plan.inputs[i].first)));
    emit_copy(a, plan.inputs[i].second);
  }
  for (size_t k = 0; k < plan.tables.size(); ++k) {
    for (size_t t = 0; t < plan.tables[k].size(); ++t) {
      if (plan.tables[k][t] < 0) {
        a.mov(qword_ptr(rsp + disp(8 * t)), 0);
      } else {
        a.lea(rax, ptr(r13 + disp(static_cast<size_t>(plan.tables[k][t]))));
        a.mov(qword_ptr(rsp + disp(8 * t)), rax);
      }
    }
    a.mov(rdi, rsp);
    b.call(kernel_symbols[k]);
  }
  for (size_t o = 0; o < plan.outputs.size(); ++o) {
    a.mov(rdi, qword_ptr(r12 + disp(8 * o)));
    a.lea(rsi, ptr(r13 + disp(plan.outputs[o].first)));
    emit_copy(a, plan.outputs[o].second);
  }
  if (flush) emit_restore_flush_modes(a, saved_mxcsr, run_mxcsr);
  emit_epilogue(a, frame, false);
  return b.finish("entry function");
}

// A nonzero fp32 of a state's initial value: its byte offset in the state block and its bits.
struct InitialWord {
  size_t offset;
  uint32_t bits;
};

// The initial values of g's states as placed in the state block, one copy per batch instance; zeros are
// left to init_state's clearing loop.
std::vector<InitialWord> initial_words(const Graph& g, const passes::LoweredModel& lowered,
                                       const StateLayout& state) {
  std::vector<InitialWord> words;
  for (size_t i = 0; i < g.states.size(); ++i) {
    const std::vector<float>& initial = g.states[i].initial;
    std::optional<size_t> at = state.find(lowered.state_buffers[i]);
    if (initial.empty() || !at) continue;
    for (int64_t b = 0; b < g.batch; ++b)
      for (size_t e = 0; e < initial.size(); ++e) {
        uint32_t bits;
        std::memcpy(&bits, &initial[e], 4);
        if (bits) words.push_back({*at + 4 * (static_cast<size_t>(b) * initial.size() + e), bits});
      }
  }
  return words;
}

// <name>_init_state(void* state): zeroes state_bytes (a multiple of 8) with 8-byte stores, then writes each
// nonzero word of the states' initial values with a 4-byte immediate store.
Expected<EntryCode> emit_init_state(size_t state_bytes, const std::vector<InitialWord>& words, bool listing) {
  EntryBuilder b(listing);
  Assembler& a = b.a;
  NJC_ASSERT(state_bytes % 8 == 0 && state_bytes / 8 <= 0x7fffffff, "state size");
  a.xor_(eax, eax);
  a.xor_(ecx, ecx);
  Label loop = a.new_label();
  a.bind(loop);
  a.mov(qword_ptr(rdi + rcx * 8), rax);
  a.add(rcx, 1);
  a.cmp(rcx, static_cast<int32_t>(state_bytes / 8));
  a.jne(loop);
  for (const InitialWord& w : words) a.mov(dword_ptr(rdi + disp(w.offset)), static_cast<int32_t>(w.bits));
  a.ret();
  return b.finish("init_state");
}

// s with every character outside [A-Za-z0-9_] replaced by '_'.
std::string symbol_part(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

void put_le32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[at + static_cast<size_t>(i)] = static_cast<uint8_t>(x >> (8 * i));
}

// An entry function's listing with its placeholder call targets replaced by the callees' symbols and its
// selection-slot label by the slot's symbol.
std::string entry_listing(const EntryCode& e, const std::string& slot_symbol) {
  std::map<std::string, std::string> call_to;
  for (const EntryCode::Call& c : e.calls) call_to[c.label] = c.callee;
  const std::string slot_ref = "[rip + " + e.slot_label + "]";
  std::string out;
  size_t begin = 0;
  while (begin < e.listing.size()) {
    size_t end = e.listing.find('\n', begin);
    std::string line = e.listing.substr(begin, end - begin);
    begin = end == std::string::npos ? e.listing.size() : end + 1;
    // `.L<symbol>` (aot_assembly's local alias of every function) so that `as` resolves the call itself,
    // as the object does, rather than leaving a PLT32 relocation against a global symbol.
    if (line.starts_with("call ") && call_to.count(line.substr(5)))
      line = "call .L" + call_to[line.substr(5)];
    if (size_t at = line.find(slot_ref); !e.slot_label.empty() && at != std::string::npos)
      line.replace(at, slot_ref.size(), "[rip + " + slot_symbol + "]");
    out += line + "\n";
  }
  return out;
}

// The generated entry functions, in .text order after the kernels: each variant's run, then the globals.
struct Entries {
  std::vector<std::pair<std::string, EntryCode>> local, global;
};

// Places the functions in .text, the pools in .rodata and the selection slot in .data, resolves the calls
// between functions, and writes the object.
void link(AotModule& m, const Entries& entries) {
  std::vector<uint8_t> text, rodata;
  ElfWriter w;
  struct Ref {
    size_t at;
    int64_t addend;
  };
  std::vector<Ref> pool_refs, slot_refs;
  std::map<std::string, size_t> offset_of;
  auto place = [&](const std::string& symbol, const uint8_t* bytes, size_t n) {
    text.resize(align_up(text.size(), kFunctionAlign), kInt3);
    m.functions.push_back(AotFunction{symbol, text.size(), n, false, false, false, ""});
    offset_of[symbol] = text.size();
    text.insert(text.end(), bytes, bytes + n);
  };
  for (size_t k = 0; k < m.kernels.size(); ++k) {
    AotKernel& ak = m.kernels[k];
    const CompiledCode& c = ak.code;
    place(ak.symbol, c.code.data(), c.code_end);
    m.functions.back().listing = c.listing;
    m.functions.back().kernel = true;
    rodata.resize(align_up(rodata.size(), kPoolAlign), 0);
    ak.rodata_offset = rodata.size();
    rodata.insert(rodata.end(), c.code.begin() + static_cast<long>(c.pool_start), c.code.end());
    const size_t base = m.functions.back().text_offset;
    for (const Assembler::PoolRef& r : c.pool_refs) {
      // S + A - P = pool byte - end of instruction, with P = the disp32 field.
      pool_refs.push_back({base + r.at, static_cast<int64_t>(ak.rodata_offset + (r.target - c.pool_start)) -
                                            static_cast<int64_t>(r.end - r.at)});
      put_le32(text, base + r.at, 0);  // RELA: the addend is in the relocation
    }
  }
  const std::string slot_symbol = m.name + "__selected";
  std::vector<const EntryCode*> placed;
  for (const auto* group : {&entries.local, &entries.global}) {
    for (const auto& [symbol, e] : *group) {
      place(symbol, e.bytes.data(), e.bytes.size());
      m.functions.back().listing = entry_listing(e, slot_symbol);
      m.functions.back().global = group == &entries.global;
      placed.push_back(&e);
      const size_t base = m.functions.back().text_offset;
      for (const EntryCode::SlotRef& r : e.slot_refs) {
        slot_refs.push_back({base + r.at, -static_cast<int64_t>(r.end - r.at)});
        put_le32(text, base + r.at, 0);
      }
    }
  }
  for (size_t i = 0; i < placed.size(); ++i) {
    const size_t base = m.functions[m.kernels.size() + i].text_offset;
    for (const EntryCode::Call& c : placed[i]->calls) {
      NJC_ASSERT(offset_of.count(c.callee), "call to unknown function " + c.callee);
      put_le32(text, base + c.end - 4,
               static_cast<uint32_t>(static_cast<int64_t>(offset_of[c.callee]) -
                                     static_cast<int64_t>(base + c.end)));
    }
  }

  std::vector<EhFunction> cfi;
  for (AotFunction& f : m.functions) {
    auto program = frame_program(text.data() + f.text_offset, f.size);
    f.has_cfi = program.has_value();
    if (program) cfi.push_back(EhFunction{f.text_offset, f.size, std::move(*program)});
  }
  EhFrame eh = build_eh_frame(cfi, EhPointer::kPcRelative32);

  const int text_s = w.add_section(".text", ElfWriter::kProgbits, ElfWriter::kAlloc | ElfWriter::kExec,
                                   kFunctionAlign, text);
  const int rodata_s = w.add_section(".rodata", ElfWriter::kProgbits, ElfWriter::kAlloc, kPoolAlign, rodata);
  const int data_s =
      w.add_section(".data", ElfWriter::kProgbits, ElfWriter::kAlloc | ElfWriter::kWrite, 4, {0, 0, 0, 0});
  const int eh_s = w.add_section(".eh_frame", ElfWriter::kX86_64Unwind, ElfWriter::kAlloc, 8, eh.bytes);
  w.add_section(".note.GNU-stack", ElfWriter::kProgbits, 0, 1, {});
  const uint32_t text_sym = w.section_symbol(text_s), rodata_sym = w.section_symbol(rodata_s),
                 data_sym = w.section_symbol(data_s);
  for (const AotFunction& f : m.functions)
    w.add_symbol(ElfSymbol{f.symbol, text_s, f.text_offset, f.size,
                           f.global ? ElfBinding::kGlobal : ElfBinding::kLocal, ElfSymbolType::kFunc});
  w.add_symbol(ElfSymbol{slot_symbol, data_s, 0, 4, ElfBinding::kLocal, ElfSymbolType::kObject});
  for (const Ref& r : pool_refs) w.add_relocation(text_s, {r.at, rodata_sym, ElfRelocType::kPc32, r.addend});
  for (const Ref& r : slot_refs) w.add_relocation(text_s, {r.at, data_sym, ElfRelocType::kPc32, r.addend});
  for (size_t i = 0; i < cfi.size(); ++i)
    w.add_relocation(eh_s,
                     {eh.pc_begin_at[i], text_sym, ElfRelocType::kPc32, static_cast<int64_t>(cfi[i].begin)});
  m.object = w.finish();
}

}  // namespace

bool is_c_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The variants' targets, widest first, without duplicates.
std::vector<x86::Target> variant_targets(const AotOptions& o) {
  std::vector<x86::Target> out;
  for (x86::Target t : {Target::kAvx512, Target::kAvx2, Target::kSse4}) {
    const bool wanted =
        o.targets.empty() ? t == o.target : std::count(o.targets.begin(), o.targets.end(), t) > 0;
    if (wanted) out.push_back(t);
  }
  return out;
}

Expected<AotModule> build_aot(const Graph& g, const AotOptions& o) {
  AotModule m;
  m.name = o.name.empty() ? g.name : o.name;
  if (!is_c_identifier(m.name)) return error("--name '" + m.name + "' is not a C identifier");
  m.targets = variant_targets(o);
  m.target = m.targets.front();
  m.opt_level = o.opt_level;
  m.tuned = o.tune;
  m.batch = g.batch;
  for (x86::Target t : m.targets)
    if (o.tune && !target_supported(t, host_cpu()))
      return error("--tune times code on this CPU, which cannot run --target " + std::string(target_name(t)));
  auto lowered = passes::lower_graph(g);
  if (!lowered) return lowered.error();
  StateLayout state;
  RunPlan plan;
  for (const loop::Kernel& k : lowered->module.kernels) {
    std::vector<int64_t> table;
    for (const loop::Buffer& b : k.buffers)  // the original buffers: same order as the compiled kernel's
      table.push_back(b.kind == loop::BufferKind::kParam
                          ? -1
                          : static_cast<int64_t>(state.slot(b.name, static_cast<size_t>(b.size()))));
    plan.tables.push_back(std::move(table));
  }
  auto io = [&](const std::string& buffer, ValueId v, int64_t copied) {  // empty tensors hold one element
    const int64_t floats = g.batch * std::max<int64_t>(1, num_elements(g.value(v).shape));
    return std::make_pair(state.slot(buffer, static_cast<size_t>(floats)), copied);
  };
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int64_t n = g.batch * num_elements(g.value(g.inputs[i]).shape);
    plan.inputs.push_back(io(lowered->input_buffers[i], g.inputs[i], std::max<int64_t>(n, 1)));
    m.inputs.push_back({g.value(g.inputs[i]).name, g.value(g.inputs[i]).shape, n});
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int64_t n = lowered->output_sizes[i];
    plan.outputs.push_back(io(lowered->output_buffers[i], g.outputs[i], std::max<int64_t>(n, 1)));
    m.outputs.push_back({g.value(g.outputs[i]).name, g.value(g.outputs[i]).shape, n});
  }
  m.state_bytes = state.bytes();
  if (m.state_bytes > 0x7fffffff)  // the entry functions address the block with 32-bit displacements
    return error("the model's state block would be " + std::to_string(m.state_bytes) +
                 " bytes; an ahead-of-time object addresses at most 2 GiB (2147483647 bytes)");

  Entries entries;
  std::vector<Variant> variants;
  for (x86::Target t : m.targets) {
    const std::string tag = m.targets.size() > 1 ? std::string(target_name(t)) + "__" : "";
    AotOptions variant = o;
    variant.target = t;
    std::vector<std::string> symbols;
    for (const loop::Kernel& k : lowered->module.kernels) {
      auto compiled = build_kernel(k, variant);
      if (!compiled) {
        Diag d = compiled.error();
        d.message = "kernel " + k.name + " (" + std::string(target_name(t)) + "): " + d.message;
        return d;
      }
      compiled->target = t;
      compiled->symbol = m.name + "__" + tag + symbol_part(k.name);
      symbols.push_back(compiled->symbol);
      m.kernels.push_back(std::move(*compiled));
    }
    auto run = emit_run(plan, symbols, o.flush_denormals, o.assembly);
    if (!run) return run.error();
    variants.push_back({t, m.name + "__" + std::string(target_name(t)) + "_run"});
    entries.local.emplace_back(variants.back().run_symbol, std::move(*run));
  }
  const std::string select = m.name + "_select_target";
  auto selector = emit_select_target(variants, o.assembly);
  if (!selector) return selector.error();
  auto query = emit_target_query(select, o.assembly);
  if (!query) return query.error();
  auto dispatch = emit_dispatch_run(variants, select, o.assembly);
  if (!dispatch) return dispatch.error();
  auto init = emit_init_state(m.state_bytes, initial_words(g, *lowered, state), o.assembly);
  if (!init) return init.error();
  entries.global.emplace_back(select, std::move(*selector));
  entries.global.emplace_back(m.name + "_target", std::move(*query));
  entries.global.emplace_back(m.name + "_run", std::move(*dispatch));
  entries.global.emplace_back(m.name + "_init_state", std::move(*init));
  link(m, entries);
  if (o.assembly) m.assembly = aot_assembly(m);
  return m;
}

}  // namespace njc::runtime
