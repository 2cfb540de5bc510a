// Liveness over the loop tree and linear-scan register allocation (see regalloc.h).
#include "backend-x86/regalloc.h"

#include <algorithm>

namespace njc::x86 {

using namespace loop;

RegClass value_class(const Kernel& k, ValueId v, bool masks_in_k) {
  Type t = k.type_of(v);
  if (t.kind == ScalarKind::kIndex) return RegClass::kNone;
  if (t.kind == ScalarKind::kI1 && masks_in_k) return RegClass::kMask;
  return RegClass::kVec;
}

namespace {

struct LoopSpan {
  int parent = -1;
  int start = 0;  // 2h+1
  int end = 0;    // 2e
};

class Liveness {
 public:
  Liveness(const Kernel& k, bool masks_in_k) : k_(k), masks_(masks_in_k) {
    def_.assign(k.values.size(), -1);
    end_.assign(k.values.size(), -1);
    hint_.assign(k.values.size(), kNoValue);
  }

  std::vector<LiveInterval> run() {
    walk(k_.body, -1);
    for (const Use& u : uses_) extend(u);
    std::vector<LiveInterval> out;
    for (size_t v = 0; v < def_.size(); ++v) {
      if (def_[v] < 0) continue;
      RegClass c = value_class(k_, static_cast<ValueId>(v), masks_);
      if (c == RegClass::kNone) continue;
      out.push_back({static_cast<ValueId>(v), c, def_[v], std::max(def_[v], end_[v]), hint_[v]});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const LiveInterval& a, const LiveInterval& b) { return a.start < b.start; });
    return out;
  }

 private:
  struct Use {
    ValueId v;
    int pos;
    int loop;  // innermost enclosing loop of the use, -1 at top level
  };

  void def(ValueId v, int pos, ValueId hint) {
    def_[static_cast<size_t>(v)] = pos;
    hint_[static_cast<size_t>(v)] = hint;
  }
  void use(ValueId v, int pos, int loop) { uses_.push_back({v, pos, loop}); }

  void walk(const Block& b, int loop) {
    for (const Stmt& s : b) {
      if (!s.is_loop()) {
        const Inst& in = s.inst();
        int i = next_++;
        for (ValueId a : in.args) use(a, 2 * i, loop);
        if (in.result != kNoValue) {
          ValueId h = kNoValue;
          if (!in.args.empty())
            h = in.op == Op::Fma ? in.args[2] : in.op == Op::Select ? in.args[2] : in.args[0];
          def(in.result, 2 * i + 1, h);
        }
        continue;
      }
      const Loop& l = s.loop();
      int h = next_++;
      int id = static_cast<int>(spans_.size());
      spans_.push_back({loop, 2 * h + 1, 0});
      for (size_t n = 0; n < l.inits.size(); ++n) {
        use(l.inits[n], 2 * h, loop);
        def(l.iter_args[n], 2 * h + 1, l.inits[n]);
      }
      walk(l.body, id);
      int e = next_++;
      spans_[static_cast<size_t>(id)].end = 2 * e;
      for (size_t n = 0; n < l.yields.size(); ++n) use(l.yields[n], 2 * e, id);
      for (size_t n = 0; n < l.results.size(); ++n) def(l.results[n], 2 * e + 1, l.iter_args[n]);
    }
  }

  // A use inside loops that do not contain the definition keeps the value alive to the outermost such
  // loop's latch: the next iteration reads it again.
  void extend(const Use& u) {
    size_t v = static_cast<size_t>(u.v);
    int end = u.pos;
    for (int l = u.loop; l >= 0; l = spans_[static_cast<size_t>(l)].parent) {
      const LoopSpan& s = spans_[static_cast<size_t>(l)];
      if (def_[v] < s.start) end = std::max(end, s.end);
    }
    end_[v] = std::max(end_[v], end);
  }

  const Kernel& k_;
  bool masks_;
  int next_ = 0;
  std::vector<int> def_, end_;
  std::vector<ValueId> hint_;
  std::vector<Use> uses_;
  std::vector<LoopSpan> spans_;
};

}  // namespace

std::vector<LiveInterval> live_intervals(const Kernel& k, bool masks_in_k) {
  return Liveness(k, masks_in_k).run();
}

namespace {

// Numbers instructions as Liveness does: one number per instruction, two per loop (header and latch).
void number_positions(const Block& b, int& next, bool (*pred)(const Inst&), std::vector<int>& out) {
  for (const Stmt& s : b) {
    if (!s.is_loop()) {
      if (pred(s.inst())) out.push_back(2 * next);
      ++next;
      continue;
    }
    ++next;
    number_positions(s.loop().body, next, pred, out);
    ++next;
  }
}

// Whether [start, end] overlaps an instruction at 2i (operands read) .. 2i+1 (result written).
bool spans_clobber(const LiveInterval& iv, const std::vector<int>& clobbers) {
  auto it = std::lower_bound(clobbers.begin(), clobbers.end(), iv.start - 1);
  return it != clobbers.end() && *it <= iv.end;
}

}  // namespace

std::vector<int> instruction_positions(const Kernel& k, bool (*pred)(const Inst&)) {
  std::vector<int> out;
  int next = 0;
  number_positions(k.body, next, pred, out);
  return out;
}

Allocation linear_scan(const std::vector<LiveInterval>& intervals, size_t num_values, int vec_regs,
                       int mask_regs, const BorrowedRegs& borrowed) {
  Allocation out;
  out.loc.assign(num_values, {});
  // Per class: which value holds each register (kNoValue = free). Vector registers are searched borrowed
  // first, then 0..vec_regs-1.
  int vec_slots = std::max(vec_regs, 0);
  for (int r : borrowed.regs) vec_slots = std::max(vec_slots, r + 1);
  std::vector<ValueId> vec_owner(static_cast<size_t>(vec_slots), kNoValue);
  std::vector<ValueId> mask_owner(static_cast<size_t>(std::max(mask_regs, 0)), kNoValue);
  std::vector<int> vec_order = borrowed.regs, mask_order;
  for (int r = 0; r < vec_regs; ++r) vec_order.push_back(r);
  for (int r = 0; r < mask_regs; ++r) mask_order.push_back(r);
  std::vector<uint8_t> is_borrowed(static_cast<size_t>(vec_slots), 0);
  for (int r : borrowed.regs) is_borrowed[static_cast<size_t>(r)] = 1;
  std::vector<int> end_of(num_values, -1);
  std::vector<uint8_t> mask_value(num_values, 0);
  for (const LiveInterval& iv : intervals)
    mask_value[static_cast<size_t>(iv.value)] = iv.cls == RegClass::kMask;
  auto spill = [&](ValueId v) {
    out.loc[static_cast<size_t>(v)] = {Location::kSlot, out.slots++};
    ++out.spilled;
  };
  for (const LiveInterval& iv : intervals) {
    end_of[static_cast<size_t>(iv.value)] = iv.end;
    const bool mask = iv.cls == RegClass::kMask;
    std::vector<ValueId>& regs = mask ? mask_owner : vec_owner;
    const bool may_borrow = !mask && !spans_clobber(iv, borrowed.clobbers);
    auto allowed = [&](int r) { return mask || may_borrow || !is_borrowed[static_cast<size_t>(r)]; };
    // Expire: free every register whose value ended before this interval starts.
    for (ValueId& o : regs)
      if (o != kNoValue && end_of[static_cast<size_t>(o)] < iv.start) o = kNoValue;
    int pick = -1;
    if (iv.hint != kNoValue) {
      const Location& h = out.loc[static_cast<size_t>(iv.hint)];
      if (h.kind == Location::kReg && mask_value[static_cast<size_t>(iv.hint)] == mask &&
          regs[static_cast<size_t>(h.index)] == kNoValue && allowed(h.index))
        pick = h.index;
    }
    for (int r : mask ? mask_order : vec_order)
      if (pick < 0 && allowed(r) && regs[static_cast<size_t>(r)] == kNoValue) pick = r;
    if (pick < 0) {
      // Spill the active value that ends last among the registers this one may take, if it outlives it.
      int victim = -1;
      for (int r : mask ? mask_order : vec_order)
        if (allowed(r) && (victim < 0 || end_of[static_cast<size_t>(regs[static_cast<size_t>(r)])] >
                                             end_of[static_cast<size_t>(regs[static_cast<size_t>(victim)])]))
          victim = r;
      if (victim < 0 || end_of[static_cast<size_t>(regs[static_cast<size_t>(victim)])] <= iv.end) {
        spill(iv.value);
        continue;
      }
      spill(regs[static_cast<size_t>(victim)]);
      pick = victim;
    }
    regs[static_cast<size_t>(pick)] = iv.value;
    out.loc[static_cast<size_t>(iv.value)] = {Location::kReg, pick};
  }
  return out;
}

}  // namespace njc::x86
