// The dispatcher of an ahead-of-time object (see aot_dispatch.h), generated with the project's assembler.
// The feature test mirrors x86::detect_cpu and x86::target_supported:
//   sse4    CPUID.1:ECX.SSE4_1[19]
//   avx2    CPUID.1:ECX.{FMA[12], OSXSAVE[27], AVX[28]}, XCR0.{SSE, AVX}[2:1], CPUID.7.0:EBX.AVX2[5]
//   avx512  avx2, XCR0.{opmask, ZMM_Hi256, Hi16_ZMM}[7:5], CPUID.7.0:EBX.{F[16], DQ[17], BW[30], VL[31]}
#include "runtime/aot_dispatch.h"

#include <unordered_set>

#include "backend-x86/assembler.h"
#include "backend-x86/printer.h"

namespace njc::runtime {

namespace {

using namespace x86;  // registers and operand builders

Diag error(std::string msg) {
  Diag d;
  d.message = std::move(msg);
  return d;
}

constexpr uint32_t kLeaf1Sse41 = 1u << 19;
constexpr uint32_t kLeaf1Avx = (1u << 12) | (1u << 27) | (1u << 28);
constexpr uint32_t kXcr0Avx = 0x6, kXcr0Avx512 = 0xe6;
constexpr uint32_t kLeaf7Avx2 = 1u << 5;
constexpr uint32_t kLeaf7Avx512 = kLeaf7Avx2 | (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);

}  // namespace

EntryBuilder::EntryBuilder(bool listing) {
  if (listing) a.set_listing(&out_.listing);
}

Mem EntryBuilder::slot() {
  if (!slot_.valid()) {
    const uint32_t zero = 0;
    slot_ = a.data(&zero, 4, 4);
    out_.slot_label = label_name(slot_.id);
  }
  return dword_ptr(slot_);
}

void EntryBuilder::call(const std::string& callee) {
  Label placeholder = a.new_label();
  Label after = a.new_label();
  pending_.push_back({placeholder, after, callee});
  a.call(placeholder);
  a.bind(after);
}

Expected<EntryCode> EntryBuilder::finish(const char* what) {
  // Placeholder targets: bound at the end of the code (any bound position will do; calls are patched).
  for (const Pending& p : pending_) a.bind(p.placeholder);
  if (Error e = a.finalize()) return error(std::string("internal error: ") + what + ": " + e.message());
  out_.bytes.assign(a.code().begin(), a.code().begin() + static_cast<long>(a.code_end()));
  for (const Pending& p : pending_)
    out_.calls.push_back(
        {static_cast<size_t>(a.label_offset(p.after)), p.callee, label_name(p.placeholder.id)});
  for (const Assembler::PoolRef& r : a.pool_refs()) out_.slot_refs.push_back({r.at, r.end});
  // The listing without the pool (the slot lives in .data) and without the placeholder labels.
  std::string text = out_.listing, kept;
  size_t at = text.find(".p2align");
  if (at != std::string::npos) text.resize(at);
  std::unordered_set<std::string> placeholders;  // a set: an entry of thousands of kernels has thousands
  for (const Pending& p : pending_) placeholders.insert(label_name(p.placeholder.id) + ":");
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    std::string line = text.substr(begin, end - begin);
    begin = end == std::string::npos ? text.size() : end + 1;
    if (!placeholders.count(line)) kept += line + "\n";
  }
  out_.listing = kept;
  return out_;
}

namespace {

// CPUID leaf `leaf` (subleaf 0): eax, ebx, ecx, edx.
void cpuid(Assembler& a, int leaf) {
  a.mov(eax, leaf);
  a.xor_(ecx, ecx);
  a.cpuid();
}

// Jumps to `fail` unless (src & mask) == mask. Clobbers eax.
void require(Assembler& a, Reg src, uint32_t mask, Label fail) {
  a.mov(eax, src);
  a.and_(eax, static_cast<int32_t>(mask));
  a.cmp(eax, static_cast<int32_t>(mask));
  a.jne(fail);
}

}  // namespace

// edi = the highest target id allowed. Registers: r8d CPUID.1:ECX, r9d XCR0 (low half), r10d the cap,
// r11d CPUID.7.0:EBX, esi the highest basic leaf; rbx is saved (CPUID writes it).
Expected<EntryCode> emit_select_target(const std::vector<Variant>& best_first, bool listing) {
  EntryBuilder b(listing);
  Assembler& a = b.a;
  a.push(rbx);
  a.mov(r10d, edi);
  a.xor_(r8d, r8d);
  a.xor_(r9d, r9d);
  a.xor_(r11d, r11d);
  cpuid(a, 0);
  a.mov(esi, eax);
  Label decide = a.new_label(), no_xsave = a.new_label();
  a.cmp(esi, 1);
  a.jb(decide);
  cpuid(a, 1);
  a.mov(r8d, ecx);
  a.mov(eax, r8d);
  a.and_(eax, static_cast<int32_t>(1u << 27));  // OSXSAVE: XGETBV may run
  a.je(no_xsave);
  a.xor_(ecx, ecx);
  a.xgetbv();
  a.mov(r9d, eax);
  a.bind(no_xsave);
  a.cmp(esi, 7);
  a.jb(decide);
  cpuid(a, 7);
  a.mov(r11d, ebx);
  a.bind(decide);
  Label store = a.new_label();
  for (const Variant& v : best_first) {
    const int id = static_cast<int>(v.target);
    Label next = a.new_label();
    a.cmp(r10d, id);
    a.jl(next);
    if (v.target == Target::kSse4) {
      require(a, r8d, kLeaf1Sse41, next);
    } else {
      require(a, r8d, kLeaf1Avx, next);
      require(a, r9d, v.target == Target::kAvx512 ? kXcr0Avx512 : kXcr0Avx, next);
      require(a, r11d, v.target == Target::kAvx512 ? kLeaf7Avx512 : kLeaf7Avx2, next);
    }
    a.mov(ecx, id + 1);
    a.mov(eax, id);
    a.jmp(store);
    a.bind(next);
  }
  a.mov(ecx, -1);
  a.mov(eax, -1);
  a.bind(store);
  a.mov(b.slot(), ecx);
  a.pop(rbx);
  a.ret();
  return b.finish("select_target");
}

// The stored choice, selecting first when there is none yet.
Expected<EntryCode> emit_target_query(const std::string& select_symbol, bool listing) {
  EntryBuilder b(listing);
  Assembler& a = b.a;
  Label chosen = a.new_label(), done = a.new_label();
  a.sub(rsp, 8);  // the call below needs rsp 16-byte aligned
  a.mov(eax, b.slot());
  a.test(eax, eax);
  a.jne(chosen);
  a.mov(edi, static_cast<int>(Target::kAvx512));
  b.call(select_symbol);
  a.jmp(done);  // eax: the id or -1, as stored
  a.bind(chosen);
  a.cmp(eax, -1);
  a.je(done);
  a.sub(eax, 1);
  a.bind(done);
  a.add(rsp, 8);
  a.ret();
  return b.finish("target");
}

// rbx, r12, r13 hold the arguments across the selection; three pushes keep rsp aligned for the calls.
Expected<EntryCode> emit_dispatch_run(const std::vector<Variant>& best_first,
                                      const std::string& select_symbol, bool listing) {
  EntryBuilder b(listing);
  Assembler& a = b.a;
  a.push(rbx);
  a.push(r12);
  a.push(r13);
  a.mov(rbx, rdi);
  a.mov(r12, rsi);
  a.mov(r13, rdx);
  Label chosen = a.new_label(), ok = a.new_label(), out = a.new_label();
  a.mov(eax, b.slot());
  a.test(eax, eax);
  a.jne(chosen);
  a.mov(edi, static_cast<int>(Target::kAvx512));
  b.call(select_symbol);
  a.mov(eax, b.slot());
  a.bind(chosen);
  a.mov(rdi, rbx);
  a.mov(rsi, r12);
  a.mov(rdx, r13);
  for (const Variant& v : best_first) {
    Label next = a.new_label();
    a.cmp(eax, static_cast<int>(v.target) + 1);
    a.jne(next);
    b.call(v.run_symbol);
    a.jmp(ok);
    a.bind(next);
  }
  a.mov(eax, -1);  // none of the variants runs on this CPU: nothing computed
  a.jmp(out);
  a.bind(ok);
  a.xor_(eax, eax);
  a.bind(out);
  a.pop(r13);
  a.pop(r12);
  a.pop(rbx);
  a.ret();
  return b.finish("run");
}

}  // namespace njc::runtime
