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

Allocation linear_scan(const std::vector<LiveInterval>& intervals, size_t num_values, int vec_regs,
                       int mask_regs) {
  Allocation out;
  out.loc.assign(num_values, {});
  struct Active {
    int end;
    ValueId v;
  };
  // Per class: which value holds each register (kNoValue = free) and the active intervals.
  std::vector<ValueId> vec_owner(static_cast<size_t>(std::max(vec_regs, 0)), kNoValue);
  std::vector<ValueId> mask_owner(static_cast<size_t>(std::max(mask_regs, 0)), kNoValue);
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
    std::vector<ValueId>& regs = iv.cls == RegClass::kMask ? mask_owner : vec_owner;
    // Expire: free every register whose value ended before this interval starts.
    for (ValueId& o : regs)
      if (o != kNoValue && end_of[static_cast<size_t>(o)] < iv.start) o = kNoValue;
    int pick = -1;
    if (iv.hint != kNoValue) {
      const Location& h = out.loc[static_cast<size_t>(iv.hint)];
      if (h.kind == Location::kReg &&
          mask_value[static_cast<size_t>(iv.hint)] == (iv.cls == RegClass::kMask) &&
          regs[static_cast<size_t>(h.index)] == kNoValue)
        pick = h.index;
    }
    for (size_t r = 0; pick < 0 && r < regs.size(); ++r)
      if (regs[r] == kNoValue) pick = static_cast<int>(r);
    if (pick < 0) {
      // Spill the active value that ends last, if it outlives this one.
      size_t victim = 0;
      for (size_t r = 1; r < regs.size(); ++r)
        if (end_of[static_cast<size_t>(regs[r])] > end_of[static_cast<size_t>(regs[victim])]) victim = r;
      if (regs.empty() || end_of[static_cast<size_t>(regs[victim])] <= iv.end) {
        spill(iv.value);
        continue;
      }
      spill(regs[victim]);
      pick = static_cast<int>(victim);
    }
    regs[static_cast<size_t>(pick)] = iv.value;
    out.loc[static_cast<size_t>(iv.value)] = {Location::kReg, pick};
  }
  return out;
}

}  // namespace njc::x86
