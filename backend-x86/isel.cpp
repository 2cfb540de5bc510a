// Instruction selection: walks a verified loop IR kernel top-down and emits x86-64 through the Assembler.
// Values live where regalloc.cpp put them (a register of their class or a spill slot); induction variables
// and buffer base pointers get general-purpose registers by loop depth and use count; each loop becomes a
// bottom-tested counted loop with its loop-carried values moved in parallel at the latch. See
// docs/codegen.md for the ABI and the register conventions.
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>

#include "backend-x86/codegen.h"
#include "backend-x86/codegen_context.h"
#include "backend-x86/frame.h"
#include "backend-x86/regalloc.h"
#include "ir/stopwatch.h"

namespace njc::x86 {

using namespace loop;

namespace {

// Fixed GPR roles. rdi holds the buffer table for the whole kernel; rax and r11 are scratch for address
// arithmetic (r11 holds a cached index sum), mask immediates and base pointers that got no register.
constexpr Reg kArgs = rdi;
constexpr Reg kTmp = rax;
constexpr Reg kIdx = r11;
// Allocatable GPRs: induction variables by loop depth first, then buffer bases. Caller-saved first.
constexpr Reg kGprPool[] = {rcx, rdx, rsi, r8, r9, r10, rbx, r12, r13, r14, r15, rbp};
constexpr int kGprPoolSize = 12;
constexpr int kMaxIvRegs = 8;
constexpr int kMaxIndexRegs = 4;  // cached index sums (r11 + free pool registers)
constexpr int kSlotBytes = 64;

bool is_math(Op op) {
  return op == Op::Exp || op == Op::Log || op == Op::Tanh || op == Op::Sigmoid;
}

Diag error(std::string msg, Loc loc = {}) {
  Diag d;
  d.line = loc.line;
  d.col = loc.col;
  d.message = std::move(msg);
  return d;
}

// A loop-carried or loop-result move between two value locations (kReg index -1 = the cycle temp).
struct Move {
  Location dst, src;
  RegClass cls;
  int lanes;
};

class Isel {
 public:
  Isel(const Kernel& k, const CodegenOptions& o) : k_(k), o_(o), c_(o.target) {}

  Expected<CompiledCode> run() {
    if (Status s = check_types(); !s) return s.error();
    masks_in_k_ = c_.avx512();
    bool math = false;
    for_each_inst(k_.body, [&](const Inst& i) { math = math || is_math(i.op); });
    // Reserve scratch registers: 2 cover parallel-move cycles and reductions; spilling needs reload
    // registers for three operands and a result; math expansions need five temporaries.
    if (c_.avx512()) find_folds(k_.body);
    // sse4 reserves one more: the register vec_ops.cpp emulates three-operand forms in.
    const int fix = c_.sse() ? 1 : 0;
    int reserve = math ? 7 : plain_arithmetic() ? 1 : 2;
    Stopwatch regalloc;
    allocate(reserve + fix);
    if (alloc_.spilled > 0 && c_.avx512()) {  // short of registers: fold every broadcast after all
      max_fold_uses_ = 1 << 30;
      find_folds(k_.body);
      allocate(reserve + fix);
    }
    if (alloc_.spilled > 0 && reserve < 4) allocate((reserve = 4) + fix);
    CompiledCode out;
    out.stats.regalloc_us = regalloc.micros();
    bool spill_mode = alloc_.spilled > 0 || reserve >= 7;
    if (fix) {
      c_.set_fix(scratch_ids_.back());
      scratch_ids_.pop_back();
    }
    c_.set_scratch(scratch_ids_, spill_mode ? 2 : 0);
    Stopwatch select_encode;
    assign_gprs();
    emit_function();
    out.stats.select_encode_us = select_encode.micros();
    out.stats.code_bytes = static_cast<int>(c_.a.size());
    Stopwatch finalize;
    if (Error e = c_.a.finalize()) return error("internal error: code generation: " + e.message());
    out.stats.finalize_us = finalize.micros();
    out.code = c_.a.code();
    out.code_end = c_.a.code_end();
    out.pool_start = c_.a.pool_start();
    out.pool_refs = c_.a.pool_refs();
    out.listing = std::move(listing_);
    out.stats.spilled_values = alloc_.spilled;
    out.stats.frame_bytes = frame_.bytes;
    return out;
  }

 private:
  // ---- setup ------------------------------------------------------------------------------------------
  Status check_types() {
    int max_lanes = target_lanes(o_.target);
    for (size_t v = 0; v < k_.values.size(); ++v)
      if (k_.values[v].type.lanes > max_lanes)
        return error("value %" + k_.values[v].name + " of type " + k_.values[v].type.str() +
                     " is wider than the " + std::string(target_name(o_.target)) + " target's " +
                     std::to_string(max_lanes) + " lanes (run the pipeline for this target)");
    return Status::ok();
  }

  // Only full-width memory accesses and arithmetic that expands to one instruction (GEMM and dense
  // micro-kernels without tails): the one scratch register of parallel-move cycles is all they need, and
  // the second register goes to the allocator (AVX2: a 6x16 register tile, 12 accumulators + 2 B + 1
  // broadcast, needs 15). Masked accesses, reductions, compares and selects and AVX-512 folds use a second.
  bool plain_arithmetic() const {
    if (c_.avx512()) return false;
    bool plain = true;
    for_each_inst(k_.body,
                  [&](const Inst& in) { plain = plain && is_plain_arithmetic(in.op) && in.mask_lanes == 0; });
    return plain;
  }

  void allocate(int reserve) {
    int total = target_vector_registers(o_.target);
    int avail = total - reserve;
    if (o_.max_vector_registers > 0) avail = std::min(avail, o_.max_vector_registers);
    scratch_ids_.clear();
    for (int i = total - reserve; i < total; ++i) scratch_ids_.push_back(i);
    std::vector<LiveInterval> iv = live_intervals(k_, masks_in_k_);
    std::erase_if(iv, [&](const LiveInterval& i) { return folded(i.value) != nullptr; });
    alloc_ = linear_scan(iv, k_.values.size(), avail, 5, borrowable(reserve));
  }

  // The math expansions' temporaries that nothing else touches (scratch kSharedScratch.. of the math
  // reserve; the lower ones also serve reloads, parallel moves and reductions) hold values whose
  // intervals span no math instruction: a reduction loop before a sigmoid keeps its accumulators there.
  static constexpr int kSharedScratch = 4;
  BorrowedRegs borrowable(int reserve) const {
    BorrowedRegs b;
    if (reserve < 7 || o_.max_vector_registers > 0) return b;
    for (int i = kSharedScratch; i < 7; ++i) b.regs.push_back(scratch_ids_[static_cast<size_t>(i)]);
    b.clobbers = instruction_positions(k_, [](const Inst& in) { return is_math(in.op); });
    return b;
  }

  // AVX-512 embedded broadcast: a load.bcast whose every use is an fma multiplicand later in the same block,
  // with no store or loop in between, becomes a {1toN} memory operand of those fmas and needs no register
  // (`vfmadd231ps acc, b, dword ptr [a + k*4]{1to16}`). Only single-use broadcasts fold unless registers
  // run short: each folded use is a load, and a micro-kernel row that broadcasts once into a register for
  // its NR fmas keeps the load ports free for B (GEMM 128: 80 % -> 94 % of peak, bench_models).
  void find_folds(const Block& b) {
    if (use_count_.empty()) count_uses();
    for (size_t p = 0; p < b.size(); ++p) {
      if (b[p].is_loop()) {
        find_folds(b[p].loop().body);
        continue;
      }
      const Inst& in = b[p].inst();
      if (in.op != Op::LoadBcast || lanes(in.result) == 1) continue;
      int need = use_count_[static_cast<size_t>(in.result)], seen = 0;
      for (size_t q = p + 1; q < b.size() && seen < need; ++q) {
        if (b[q].is_loop() || b[q].inst().op == Op::Store) break;
        const Inst& u = b[q].inst();
        for (size_t a = 0; a < u.args.size(); ++a) {
          if (u.args[a] != in.result) continue;
          bool ok = u.op == Op::Fma && a < 2 && u.args[0] != u.args[1];
          seen += ok ? 1 : need + 1;
        }
      }
      if (seen == need && need > 0 && need <= max_fold_uses_) folds_[in.result] = &in;
    }
  }
  void count_uses() {
    use_count_.assign(k_.values.size(), 0);
    std::function<void(const Block&)> walk = [&](const Block& b) {
      for (const Stmt& s : b) {
        if (!s.is_loop()) {
          for (ValueId a : s.inst().args) ++use_count_[static_cast<size_t>(a)];
          continue;
        }
        const Loop& l = s.loop();
        for (ValueId v : l.inits) ++use_count_[static_cast<size_t>(v)];
        for (ValueId v : l.yields) ++use_count_[static_cast<size_t>(v)];
        walk(l.body);
      }
    };
    walk(k_.body);
  }
  const Inst* folded(ValueId v) const {
    auto it = folds_.find(v);
    return it == folds_.end() ? nullptr : it->second;
  }

  // Induction variables by depth (sibling loops share), then buffer bases by use count weighted by depth.
  void assign_gprs() {
    iv_home_.assign(k_.values.size(), {});
    int depth_used = 0;
    std::vector<double> weight(k_.buffers.size(), 0.0);
    std::function<void(const Block&, int)> walk = [&](const Block& b, int depth) {
      for (const Stmt& s : b) {
        if (s.is_loop()) {
          const Loop& l = s.loop();
          if (depth < kMaxIvRegs) {
            iv_home_[static_cast<size_t>(l.iv)] = {Location::kReg, depth};
            depth_used = std::max(depth_used, depth + 1);
          } else {
            iv_home_[static_cast<size_t>(l.iv)] = {Location::kSlot, iv_slots_++};
          }
          walk(l.body, depth + 1);
        } else if (s.inst().buffer >= 0) {
          double w = 1.0;
          for (int d = 0; d < depth; ++d) w *= 8.0;
          weight[static_cast<size_t>(s.inst().buffer)] += w;
        }
      }
    };
    walk(k_.body, 0);
    for (int d = 0; d < depth_used; ++d) used_gprs_.push_back(kGprPool[d]);
    std::vector<BufferId> order;
    for (size_t b = 0; b < k_.buffers.size(); ++b)
      if (weight[b] > 0) order.push_back(static_cast<BufferId>(b));
    std::stable_sort(order.begin(), order.end(),
                     [&](BufferId x, BufferId y) { return weight[x] > weight[y]; });
    base_.assign(k_.buffers.size(), Reg{});
    int next = depth_used;
    for (BufferId b : order) {
      if (next >= kGprPoolSize) break;
      base_[static_cast<size_t>(b)] = kGprPool[next];
      used_gprs_.push_back(kGprPool[next++]);
    }
    sums_.push_back({kIdx, {}, 0});
    size_t want = std::min<size_t>(max_index_sums(k_.body), kMaxIndexRegs);
    for (; next < kGprPoolSize && sums_.size() < want; ++next) {
      sums_.push_back({kGprPool[next], {}, 0});
      used_gprs_.push_back(kGprPool[next]);
    }
    param_label_.assign(k_.buffers.size(), Label{});
  }

  // ---- locations --------------------------------------------------------------------------------------
  int lanes(ValueId v) const { return k_.type_of(v).lanes; }
  RegClass cls(ValueId v) const { return value_class(k_, v, masks_in_k_); }
  const Location& loc(ValueId v) const { return alloc_.loc[static_cast<size_t>(v)]; }
  Mem slot(int s) const { return rsp + s * kSlotBytes; }
  Mem iv_slot(int s) const { return qword_ptr(rsp + (alloc_.slots * kSlotBytes + 8 * s)); }
  Reg phys(const Location& l, RegClass c, int lanes) const {
    if (c == RegClass::kMask) return l.index < 0 ? k7 : kreg(2 + l.index);
    return l.index < 0 ? c_.scratch(0, lanes) : CodeContext::vreg(l.index, lanes);
  }

  // The register holding operand v; a spilled value is reloaded into scratch s (k7 for masks).
  Reg use(ValueId v, int s) {
    const Location& l = loc(v);
    if (l.kind == Location::kReg) return phys(l, cls(v), lanes(v));
    if (cls(v) == RegClass::kMask) {
      c_.a.kmovw(k7, word_ptr(slot(l.index)));
      return k7;
    }
    Reg r = c_.scratch(s, lanes(v));
    c_.mov(r, CodeContext::sized(slot(l.index), lanes(v)));
    return r;
  }
  // The register to write result v into (scratch s when v is spilled); def_done() stores a spilled one.
  Reg def(ValueId v, int s) {
    const Location& l = loc(v);
    if (l.kind == Location::kReg) return phys(l, cls(v), lanes(v));
    return cls(v) == RegClass::kMask ? k7 : c_.scratch(s, lanes(v));
  }
  void def_done(ValueId v, Reg r) {
    const Location& l = loc(v);
    if (l.kind != Location::kSlot) return;
    if (cls(v) == RegClass::kMask)
      c_.a.kmovw(word_ptr(slot(l.index)), r);
    else
      c_.mov(CodeContext::sized(slot(l.index), lanes(v)), r);
  }

  // ---- addresses --------------------------------------------------------------------------------------
  Reg iv_reg(ValueId iv) const { return kGprPool[iv_home_[static_cast<size_t>(iv)].index]; }
  bool iv_in_reg(ValueId iv) const { return iv_home_[static_cast<size_t>(iv)].kind == Location::kReg; }
  Operand iv_operand(ValueId iv) const {
    return iv_in_reg(iv) ? Operand(iv_reg(iv)) : Operand(iv_slot(iv_home_[static_cast<size_t>(iv)].index));
  }

  void invalidate() {
    for (IndexSum& e : sums_) e.terms.clear();
    c_.k1_lanes = -1;
  }

  // A register holding sum(coeff * iv) over terms. Sums stay cached until the next label (invalidate()),
  // in up to kMaxIndexRegs registers replaced least recently used, so a micro-kernel that alternates
  // between an A row and a B panel computes each index once per iteration. May clobber rax.
  Reg index_sum(const std::vector<AffineTerm>& terms) {
    ++use_clock_;
    auto age = [](const IndexSum& e) { return e.terms.empty() ? 0 : e.last_use; };  // free ones first
    IndexSum* victim = nullptr;
    for (IndexSum& e : sums_) {
      if (!e.terms.empty() && e.terms == terms) {
        e.last_use = use_clock_;
        return e.reg;
      }
      if (!victim || age(e) < age(*victim)) victim = &e;
    }
    Reg dst = victim->reg;
    for (size_t t = 0; t < terms.size(); ++t) add_term(dst, terms[t], t == 0);
    victim->terms = terms;
    victim->last_use = use_clock_;
    return dst;
  }
  // dst (+)= coeff * iv, with the cheapest form: mov/add for 1, lea for 2/4/8, imul otherwise.
  void add_term(Reg dst, const AffineTerm& term, bool first) {
    Assembler& a = c_.a;
    Reg iv = kTmp;
    if (iv_in_reg(term.iv))
      iv = iv_reg(term.iv);
    else
      a.mov(kTmp, iv_slot(iv_home_[static_cast<size_t>(term.iv)].index));
    int64_t c = term.coeff;
    if (first) {
      if (c == 1)
        a.mov(dst, iv);
      else
        a.imul(dst, iv, static_cast<int32_t>(c));
    } else if (c == 1) {
      a.add(dst, iv);
    } else if (c == 2 || c == 4 || c == 8) {
      a.lea(dst, qword_ptr(dst + iv * static_cast<int>(c)));
    } else {
      a.imul(kTmp, iv, static_cast<int32_t>(c));
      a.add(dst, kTmp);
    }
  }

  Reg base(BufferId b) {
    if (base_[static_cast<size_t>(b)].valid()) return base_[static_cast<size_t>(b)];
    load_base(kTmp, b);
    return kTmp;
  }
  void load_base(Reg r, BufferId b) {
    const Buffer& buf = k_.buffer(b);
    if (buf.kind == BufferKind::kParam) {
      Label& l = param_label_[static_cast<size_t>(b)];
      if (!l.valid()) l = c_.a.data(buf.data.data(), buf.data.size() * sizeof(float), 64);
      c_.a.lea(r, ptr(l));
    } else {
      c_.a.mov(r, qword_ptr(kArgs + 8 * b));
    }
  }

  // The flat element offset of in's access.
  Affine flat_offset(const Inst& in) const {
    const Buffer& buf = k_.buffer(in.buffer);
    Affine off = Affine::cst(0);
    for (size_t d = 0; d < in.index.size(); ++d) off = off.plus(in.index[d], buf.stride(d));
    return off;
  }
  // Whether the terms fit the SIB byte directly: one induction variable in a register, scale 4 or 8.
  bool sib_only(const std::vector<AffineTerm>& terms) const {
    return terms.size() == 1 && (terms[0].coeff == 1 || terms[0].coeff == 2) && iv_in_reg(terms[0].iv);
  }
  // One order for equal sums: unrolled copies list the same terms in other orders.
  static void sort_terms(std::vector<AffineTerm>& terms) {
    std::sort(terms.begin(), terms.end(),
              [](const AffineTerm& x, const AffineTerm& y) { return x.iv < y.iv; });
  }

  // The address of in's access (size left to the caller). May clobber rax.
  Mem address(const Inst& in) {
    Affine off = flat_offset(in);
    int32_t disp = static_cast<int32_t>(off.constant * 4);
    if (off.terms.empty()) return base(in.buffer) + disp;
    if (sib_only(off.terms)) {
      Reg iv = iv_reg(off.terms[0].iv);
      return base(in.buffer) + iv * static_cast<int>(4 * off.terms[0].coeff) + disp;
    }
    sort_terms(off.terms);
    Reg idx = index_sum(off.terms);
    return base(in.buffer) + idx * 4 + disp;
  }

  // The most distinct index sums that one straight-line stretch of code (between labels) computes:
  // how many registers the index cache can use.
  size_t max_index_sums(const Block& b) const {
    size_t most = 0;
    std::vector<std::vector<AffineTerm>> run;
    auto flush = [&] {
      most = std::max(most, run.size());
      run.clear();
    };
    for (const Stmt& s : b) {
      if (s.is_loop()) {
        flush();
        most = std::max(most, max_index_sums(s.loop().body));
        continue;
      }
      const Inst& in = s.inst();
      if (in.buffer < 0 || folded(in.result)) continue;
      std::vector<AffineTerm> terms = flat_offset(in).terms;
      if (terms.empty() || sib_only(terms)) continue;
      sort_terms(terms);
      if (std::find(run.begin(), run.end(), terms) == run.end()) run.push_back(std::move(terms));
    }
    flush();
    return most;
  }

  // k1 = the first n lanes (AVX-512 masked accesses), cached until the next label or clobber.
  void set_k1(int n) {
    if (c_.k1_lanes == n) return;
    c_.a.mov(eax, static_cast<int32_t>((1u << n) - 1));
    c_.a.kmovw(k1, eax);
    c_.k1_lanes = n;
  }

  // ---- moves ------------------------------------------------------------------------------------------
  void copy(const Location& dst, const Location& src, RegClass c, int n) {
    Assembler& a = c_.a;
    bool dreg = dst.kind == Location::kReg, sreg = src.kind == Location::kReg;
    if (c == RegClass::kMask) {
      Reg kd = dreg ? phys(dst, c, n) : k1;
      if (sreg)
        a.kmovw(kd, phys(src, c, n));
      else
        a.kmovw(kd, word_ptr(slot(src.index)));
      if (!dreg) a.kmovw(word_ptr(slot(dst.index)), kd);
      if (kd == k1) c_.k1_lanes = -1;
      return;
    }
    if (dreg && sreg) {
      c_.mov(phys(dst, c, n), phys(src, c, n));
    } else if (dreg) {
      c_.mov(phys(dst, c, n), CodeContext::sized(slot(src.index), n));
    } else if (sreg) {
      c_.mov(CodeContext::sized(slot(dst.index), n), phys(src, c, n));
    } else {
      Reg t = c_.scratch(1, n);
      c_.mov(t, CodeContext::sized(slot(src.index), n));
      c_.mov(CodeContext::sized(slot(dst.index), n), t);
    }
  }

  // Performs all moves as if simultaneously (yield %b, %a swaps): emit moves whose destination no other
  // move still reads; break cycles through the scratch temp.
  void parallel_move(std::vector<Move> moves) {
    std::erase_if(moves, [](const Move& m) { return m.dst == m.src; });
    while (!moves.empty()) {
      bool done = false;
      for (size_t i = 0; i < moves.size() && !done; ++i) {
        bool read =
            std::any_of(moves.begin(), moves.end(), [&](const Move& m) { return m.src == moves[i].dst; });
        if (read) continue;
        copy(moves[i].dst, moves[i].src, moves[i].cls, moves[i].lanes);
        moves.erase(moves.begin() + static_cast<long>(i));
        done = true;
      }
      if (done) continue;
      Location temp{Location::kReg, -1}, from = moves[0].src;
      copy(temp, from, moves[0].cls, moves[0].lanes);
      for (Move& m : moves)
        if (m.src == from) m.src = temp;
    }
  }

  std::vector<Move> moves(const std::vector<ValueId>& dst, const std::vector<ValueId>& src) {
    std::vector<Move> out;
    for (size_t n = 0; n < dst.size(); ++n) {
      RegClass c = cls(dst[n]);
      if (c == RegClass::kNone) continue;
      out.push_back({loc(dst[n]), loc(src[n]), c, std::max(lanes(dst[n]), c == RegClass::kVec ? 1 : 16)});
    }
    return out;
  }

  // ---- function, blocks, loops ------------------------------------------------------------------------
  void emit_function() {
    if (o_.listing) c_.a.set_listing(&listing_);
    std::vector<Reg> used = used_gprs_;
    frame_ = layout_frame(used, alloc_.slots * kSlotBytes + 8 * iv_slots_);
    emit_prologue(c_.a, frame_);
    for (size_t b = 0; b < base_.size(); ++b)
      if (base_[b].valid()) load_base(base_[b], static_cast<BufferId>(b));
    emit_block(k_.body);
    emit_epilogue(c_.a, frame_, o_.target != Target::kSse4);
  }

  void emit_block(const Block& b) {
    for (const Stmt& s : b) {
      if (s.is_loop())
        emit_loop(s.loop());
      else
        emit_inst(s.inst());
    }
  }

  void emit_loop(const Loop& l) {
    Assembler& a = c_.a;
    parallel_move(moves(l.iter_args, l.inits));
    int64_t trip = l.trip_count();
    if (trip > 0) {
      bool in_reg = iv_in_reg(l.iv);
      Operand iv = iv_operand(l.iv);
      a.mov(iv, static_cast<int32_t>(l.lb));
      Label top = a.new_label();
      if (trip > 1) a.bind(top);
      invalidate();
      emit_block(l.body);
      parallel_move(moves(l.iter_args, l.yields));
      if (trip > 1) {
        if (in_reg) {
          a.add(iv, static_cast<int32_t>(l.step));
          a.cmp(iv, static_cast<int32_t>(l.ub));
        } else {
          a.mov(kTmp, iv);
          a.add(kTmp, static_cast<int32_t>(l.step));
          a.mov(iv, kTmp);
          a.cmp(kTmp, static_cast<int32_t>(l.ub));
        }
        a.jl(top);
      }
      invalidate();
    }
    parallel_move(moves(l.results, l.iter_args));
  }

  // ---- instructions -----------------------------------------------------------------------------------
  void emit_inst(const Inst& in) {
    Assembler& a = c_.a;
    switch (in.op) {
      case Op::Const:
        return emit_const(in);
      case Op::Mask:
        return emit_mask(in);
      case Op::Load:
        return emit_load(in);
      case Op::LoadBcast: {
        if (folded(in.result)) return;  // emitted inside its fmas
        int n = lanes(in.result);
        Reg d = def(in.result, 1);
        Mem m = dword_ptr(address(in));
        if (c_.sse()) {
          a.movss(d, m);
          if (n > 1) a.shufps(d, d, 0);
        } else if (n == 1) {
          a.vmovss(d, m);
        } else {
          a.vbroadcastss(d, m);
        }
        return def_done(in.result, d);
      }
      case Op::Store:
        return emit_store(in);
      case Op::Splat: {
        Reg s = use(in.args[0], 0);
        Reg d = def(in.result, 1);
        c_.splat(d, s, lanes(in.result));
        return def_done(in.result, d);
      }
      case Op::Add:
        return binary(in, Mnemonic::vaddps);
      case Op::Sub:
        return binary(in, Mnemonic::vsubps);
      case Op::Mul:
        return binary(in, Mnemonic::vmulps);
      case Op::Div:
        return binary(in, Mnemonic::vdivps);
      case Op::Min:
        return binary(in, Mnemonic::vminps);
      case Op::Max:
        return binary(in, Mnemonic::vmaxps);
      case Op::Fma:
        return emit_fma(in);
      case Op::CmpLt:
        return compare(in, 0x01);  // LT_OS
      case Op::CmpLe:
        return compare(in, 0x02);  // LE_OS
      case Op::CmpGt:
        return compare(in, 0x0e);  // GT_OS
      case Op::CmpGe:
        return compare(in, 0x0d);  // GE_OS
      case Op::CmpEq:
        return compare(in, 0x00);  // EQ_OQ
      case Op::CmpNe:
        return compare(in, 0x04);  // NEQ_UQ: true for NaN, like C++ !=
      case Op::Select:
        return emit_select(in);
      case Op::ReduceAdd:
        return reduce(in, Mnemonic::vaddps);
      case Op::ReduceMax:
        return reduce(in, Mnemonic::vmaxps);
      case Op::ReduceMin:
        return reduce(in, Mnemonic::vminps);
      default:
        return unary(in);
    }
  }

  void emit_const(const Inst& in) {
    int n = lanes(in.result);
    Reg d = def(in.result, 1);
    uint32_t bits;
    std::memcpy(&bits, &in.imm, 4);
    if (bits == 0)
      c_.op3(Mnemonic::vxorps, d, d, d);
    else if (n == 1)
      c_.a.emit(c_.sse() ? Mnemonic::movss : Mnemonic::vmovss, d, dword_ptr(c_.cst(in.imm, 1)));
    else
      c_.mov(d, c_.cst(in.imm, n));
    def_done(in.result, d);
  }

  void emit_mask(const Inst& in) {
    int n = lanes(in.result);
    Reg d = def(in.result, 1);
    if (masks_in_k_) {
      c_.a.mov(eax, static_cast<int32_t>(in.mask_lanes >= 16 ? 0xffff : (1u << in.mask_lanes) - 1));
      c_.a.kmovw(d, eax);
    } else {
      c_.mov(d, c_.lane_mask(in.mask_lanes, n));
    }
    def_done(in.result, d);
  }

  bool partial(const Inst& in, int n) const { return in.mask_lanes > 0 && in.mask_lanes < n; }

  void emit_load(const Inst& in) {
    Assembler& a = c_.a;
    int n = lanes(in.result);
    Reg d = def(in.result, 1);
    if (partial(in, n)) {
      if (c_.avx512()) {
        set_k1(in.mask_lanes);
        a.vmovups(d | k1 | kZero, CodeContext::sized(address(in), n));
      } else if (c_.sse()) {
        sse_partial_load(d, address(in), in.mask_lanes);
      } else {
        Reg m = c_.scratch(0, n);
        a.vmovups(m, c_.lane_mask(in.mask_lanes, n));
        a.vmaskmovps(d, m, CodeContext::sized(address(in), n));
      }
    } else if (n == 1) {
      a.emit(c_.sse() ? Mnemonic::movss : Mnemonic::vmovss, d, dword_ptr(address(in)));
    } else {
      c_.mov(d, CodeContext::sized(address(in), n));
    }
    def_done(in.result, d);
  }

  void emit_store(const Inst& in) {
    Assembler& a = c_.a;
    ValueId v = in.args[0];
    int n = lanes(v);
    Reg s = use(v, 0);
    if (partial(in, n)) {
      if (c_.avx512()) {
        set_k1(in.mask_lanes);
        a.vmovups(CodeContext::sized(address(in), n) | k1, s);
      } else if (c_.sse()) {
        sse_partial_store(address(in), s, in.mask_lanes);
      } else {
        Reg m = c_.scratch(1, n);
        a.vmovups(m, c_.lane_mask(in.mask_lanes, n));
        a.vmaskmovps(CodeContext::sized(address(in), n), m, s);
      }
    } else if (n == 1) {
      a.emit(c_.sse() ? Mnemonic::movss : Mnemonic::vmovss, dword_ptr(address(in)), s);
    } else {
      c_.mov(CodeContext::sized(address(in), n), s);
    }
  }

  // sse4 has no masked moves: the first n (1-3) lanes are accessed element-wise (movss, movq, insertps /
  // extractps at +8), so no byte past the live lanes is ever read or written. Loads zero the dead lanes.
  void sse_partial_load(Reg d, Mem m, int n) {
    Assembler& a = c_.a;
    if (n == 1) {
      a.movss(d, dword_ptr(m));
      return;
    }
    a.movq(d, qword_ptr(m));
    if (n == 3) a.insertps(d, dword_ptr(m + 8), 0x20);  // into lane 2, no zeroing
  }
  void sse_partial_store(Mem m, Reg s, int n) {
    Assembler& a = c_.a;
    if (n == 1) {
      a.movss(dword_ptr(m), s);
      return;
    }
    a.movq(qword_ptr(m), s);
    if (n == 3) a.extractps(dword_ptr(m + 8), s, 2);
  }

  void binary(const Inst& in, Mnemonic m) {
    Reg x = use(in.args[0], 0), y = use(in.args[1], 1);
    Reg d = def(in.result, 3);
    c_.op3(m, d, x, y);
    def_done(in.result, d);
  }

  // dst = a * b + c with one instruction when dst shares a register with an operand (the allocator hints
  // dst toward c, the accumulator).
  void emit_fma(const Inst& in) {
    Assembler& a = c_.a;
    for (int f = 0; f < 2; ++f) {
      const Inst* bc = folded(in.args[static_cast<size_t>(f)]);
      if (!bc) continue;
      Reg o = use(in.args[static_cast<size_t>(1 - f)], 1 - f), z = use(in.args[2], 2);
      Reg d = def(in.result, 3);
      if (d != z) {
        if (d == o) {  // keep the multiplicand: it is overwritten by the accumulator copy below
          a.vmovaps(c_.scratch(f, lanes(in.result)), o);
          o = c_.scratch(f, lanes(in.result));
        }
        a.vmovaps(d, z);
      }
      a.vfmadd231ps(d, o, ptr_b32(address(*bc)));
      return def_done(in.result, d);
    }
    Reg x = use(in.args[0], 0), y = use(in.args[1], 1), z = use(in.args[2], 2);
    Reg d = def(in.result, 3);
    c_.fma(d, x, y, z);  // sse4: mulps + addps, rounded twice
    def_done(in.result, d);
  }

  void compare(const Inst& in, int pred) {
    Reg x = use(in.args[0], 0), y = use(in.args[1], 1);
    Reg d = def(in.result, 3);
    c_.cmp(d, x, y, pred);
    def_done(in.result, d);
  }

  void emit_select(const Inst& in) {
    Reg m = use(in.args[0], 0), x = use(in.args[1], 1), y = use(in.args[2], 2);
    Reg d = def(in.result, 3);
    if (masks_in_k_)
      c_.a.vblendmps(d | m, y, x);
    else
      c_.select(d, CodeContext::as_lanes(m, lanes(in.result)), x, y);
    def_done(in.result, d);
  }

  // Tree reduction: halve the vector until 4 lanes, then two in-register shuffles. Lane order differs
  // from the interpreter's left fold (reassociation only).
  void reduce(const Inst& in, Mnemonic op) {
    Assembler& a = c_.a;
    int n = lanes(in.args[0]);
    Reg s = use(in.args[0], 0);
    Reg d = def(in.result, 1);
    if (n == 1) {
      if (d != s) c_.mov(d, s);
      return def_done(in.result, d);
    }
    Reg cur = s;
    if (n == 16) {
      a.vextractf32x8(c_.temp(0, 8), s, 1);
      a.emit(op, c_.temp(0, 8), c_.temp(0, 8), CodeContext::as_lanes(s, 8));
      cur = c_.temp(0, 8);
      n = 8;
    }
    if (n == 8) {
      if (c_.avx512())
        a.vextractf32x4(c_.temp(1, 4), CodeContext::as_lanes(cur, 8), 1);
      else
        a.vextractf128(c_.temp(1, 4), CodeContext::as_lanes(cur, 8), 1);
      a.emit(op, c_.temp(1, 4), c_.temp(1, 4), CodeContext::as_lanes(cur, 4));
      cur = c_.temp(1, 4);
    }
    Reg x = CodeContext::as_lanes(cur, 4), t0 = c_.temp(0, 4), t1 = c_.temp(1, 4);
    if (c_.sse())
      a.pshufd(t0, x, 0x4e);
    else
      a.vshufps(t0, x, x, 0x4e);  // lanes 2 3 0 1
    c_.op3(op, t0, t0, x);
    if (c_.sse())
      a.pshufd(t1, t0, 0xb1);
    else
      a.vshufps(t1, t0, t0, 0xb1);  // lanes 1 0 3 2
    c_.op3(op, CodeContext::as_lanes(d, 4), t0, t1);
    def_done(in.result, d);
  }

  void unary(const Inst& in) {
    int n = lanes(in.result);
    Reg s = use(in.args[0], 0);
    Reg d = def(in.result, 1);
    switch (in.op) {
      case Op::Neg:
        c_.op3(Mnemonic::vxorps, d, s, c_.cst_bits(0x80000000u, n));
        break;
      case Op::Abs:
        c_.op3(Mnemonic::vandps, d, s, c_.cst_bits(0x7fffffffu, n));
        break;
      case Op::Sqrt:
        c_.op2(Mnemonic::vsqrtps, d, s);
        break;
      case Op::Rsqrt:  // 1/sqrt(x) exactly rounded twice; vrsqrt14ps alone is only 2^-14 accurate
        c_.op2(Mnemonic::vsqrtps, c_.temp(0, n), s);
        c_.mov(d, c_.cst(1.0f, n));
        c_.op3(Mnemonic::vdivps, d, d, c_.temp(0, n));
        break;
      case Op::Recip:
        c_.mov(c_.temp(0, n), c_.cst(1.0f, n));
        c_.op3(Mnemonic::vdivps, d, c_.temp(0, n), s);
        break;
      case Op::Floor:  // roundps imm: bits 0-1 the mode, bit 3 suppresses the precision exception
        c_.round(d, s, 0x9);
        break;
      case Op::Ceil:
        c_.round(d, s, 0xa);
        break;
      case Op::Round:
        c_.round(d, s, 0x8);
        break;
      case Op::Exp:
        emit_exp(c_, d, s, n);
        break;
      case Op::Log:
        emit_log(c_, d, s, n);
        break;
      case Op::Tanh:
        emit_tanh(c_, d, s, n);
        break;
      case Op::Sigmoid:
        emit_sigmoid(c_, d, s, n);
        break;
      default:
        NJC_UNREACHABLE("isel: unhandled loop op " + std::string(op_name(in.op)));
    }
    def_done(in.result, d);
  }

  const Kernel& k_;
  CodegenOptions o_;
  CodeContext c_;
  bool masks_in_k_ = false;
  Allocation alloc_;
  std::vector<int> scratch_ids_;
  std::vector<Location> iv_home_;  // per ValueId: kReg (index into kGprPool) or kSlot
  int iv_slots_ = 0;
  std::vector<Reg> base_;  // per buffer: a pool register, or invalid (loaded on each access)
  std::vector<Label> param_label_;
  std::vector<Reg> used_gprs_;
  FrameLayout frame_;
  struct IndexSum {
    Reg reg;
    std::vector<AffineTerm> terms;  // empty: free
    uint64_t last_use = 0;
  };
  std::vector<IndexSum> sums_;  // r11 and the pool registers nothing else uses (assign_gprs)
  uint64_t use_clock_ = 0;
  std::string listing_;
  std::unordered_map<ValueId, const Inst*> folds_;  // load.bcast folded into fma memory operands
  int max_fold_uses_ = 1;                           // fold broadcasts with at most this many uses
  std::vector<int> use_count_;
};

}  // namespace

Expected<CompiledCode> generate(const Kernel& k, const CodegenOptions& opts) {
  return Isel(k, opts).run();
}

}  // namespace njc::x86
