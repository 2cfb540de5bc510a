// vectorize: scalar loop -> vector loop + masked or scalar tail, with reductions in vector accumulators.
#include "passes/vectorize.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "ir/loop_printer.h"
#include "ir/loop_rewrite.h"
#include "passes/lane_widener.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

enum class Reduction { kAdd, kMax, kMin };

struct Plan {
  std::vector<Reduction> reductions;  // per iter_arg
};

// The values the instructions of b define (once per loop: a fused elementwise chain has thousands).
std::unordered_set<ValueId> defined_in(const Block& b) {
  std::unordered_set<ValueId> out;
  for (const Stmt& s : b)
    if (!s.is_loop() && s.inst().result != kNoValue) out.insert(s.inst().result);
  return out;
}

// Checks that l can be vectorized; the reason it cannot otherwise.
Expected<Plan> analyze(const Kernel& k, const Loop& l) {
  auto refuse = [&](std::string why) -> Diag {
    return loop_error(l, fmt::format("vectorize: cannot vectorize {}: {}", loop_name(k, l), why));
  };
  if (l.step != 1) return refuse(fmt::format("step is {}, not 1", l.step));
  const std::unordered_set<ValueId> local = defined_in(l.body);
  for (const Stmt& s : l.body) {
    if (s.is_loop()) return refuse("its body contains a loop");
    const Inst& i = s.inst();
    if (i.result != kNoValue && k.type_of(i.result).is_vector()) return refuse("it is vector code already");
    for (ValueId a : i.args)
      if (k.type_of(a).is_vector()) return refuse("it is vector code already");
    for (ValueId a : i.args) {
      bool carried = std::find(l.iter_args.begin(), l.iter_args.end(), a) != l.iter_args.end();
      if (!carried && !local.count(a) && k.type_of(a) != Type::f32())
        return refuse(fmt::format("%{} from outside the loop is not an f32 scalar", k.name_of(a)));
    }
    if (!i.index.empty()) {
      const Buffer& b = k.buffer(i.buffer);
      for (size_t d = 0; d + 1 < i.index.size(); ++d)
        if (i.index[d].uses(l.iv))
          return refuse(fmt::format("the access to %{} strides dimension {} with {}", b.name, d, loop_name(k, l)));
      int64_t c = i.index.back().coeff_of(l.iv);
      if (c != 0 && c != 1)
        return refuse(fmt::format("the access to %{} has stride {} in {}", b.name, c, loop_name(k, l)));
      if (i.op == Op::Store && c == 0)
        return refuse(fmt::format("the store to %{} is invariant in {} (a reduction through memory: run "
                                  "register-tile first)",
                                  b.name, loop_name(k, l)));
    }
  }
  Plan p;
  for (size_t n = 0; n < l.iter_args.size(); ++n) {
    ValueId a = l.iter_args[n];
    const Inst* user = nullptr;
    int uses = 0;
    for (const Stmt& s : l.body)
      for (ValueId x : s.inst().args)
        if (x == a) ++uses, user = &s.inst();
    std::string bad = fmt::format("the loop-carried %{} is not an add/fma/max/min reduction", k.name_of(a));
    if (uses != 1 || user->result != l.yields[n] || count_uses(l.body, user->result) != 0) return refuse(bad);
    int yielded = 0;
    for (ValueId y : l.yields) yielded += y == user->result;
    if (yielded != 1) return refuse(bad);
    switch (user->op) {
      case Op::Add: p.reductions.push_back(Reduction::kAdd); break;
      case Op::Fma:
        if (user->args[2] != a) return refuse(bad);
        p.reductions.push_back(Reduction::kAdd);
        break;
      case Op::Max: p.reductions.push_back(Reduction::kMax); break;
      case Op::Min: p.reductions.push_back(Reduction::kMin); break;
      default: return refuse(bad);
    }
  }
  return p;
}

class Vectorizer {
 public:
  Vectorizer(Kernel& k, const Loop& l, const Plan& p, int width)
      : k_(k), l_(l), plan_(p), w_(width), lanes_(k, width) {}

  LoopReplacement run(bool scalar_tail) {
    int64_t n = l_.trip_count();
    int64_t vt = n / w_;
    int64_t rem = n % w_;
    LoopReplacement r;
    // Vector accumulators start at 0 (add) or the init (max/min); the init is added back after.
    std::vector<ValueId> acc;
    for (size_t i = 0; i < plan_.reductions.size(); ++i) {
      if (plan_.reductions[i] == Reduction::kAdd)
        acc.push_back(emit(lanes_.preheader(), Op::Const, {}, Type::f32(w_), 0.0f));
      else
        acc.push_back(emit(lanes_.preheader(), Op::Splat, {l_.inits[i]}, Type::f32(w_)));
    }
    Block main_stmts;
    if (vt > 0) {
      Loop m;
      m.iv = l_.iv;
      m.lb = l_.lb;
      m.ub = l_.lb + vt * w_;
      m.step = w_;
      m.loc = l_.loc;
      m.inits = acc;
      std::unordered_map<ValueId, ValueId> map;
      for (size_t i = 0; i < acc.size(); ++i) {
        m.iter_args.push_back(k_.copy_value(l_.iter_args[i], Type::f32(w_)));
        map[l_.iter_args[i]] = m.iter_args.back();
      }
      m.body = convert(map, Affine::var(l_.iv), 0);
      for (ValueId y : l_.yields) m.yields.push_back(map.at(y));
      for (size_t i = 0; i < acc.size(); ++i) m.results.push_back(k_.copy_value(l_.results[i], Type::f32(w_)));
      acc = m.results;
      main_stmts.push_back(Stmt(std::move(m)));
    }
    Block tail;
    std::vector<ValueId> finals;
    if (rem > 0 && !scalar_tail) {
      ValueId mask = kNoValue;  // only reductions need it: masked accesses carry their lane count
      if (!acc.empty()) mask = emit(tail, Op::Mask, {}, Type::mask(w_), 0.0f, static_cast<int>(rem));
      std::unordered_map<ValueId, ValueId> map;
      for (size_t i = 0; i < acc.size(); ++i) map[l_.iter_args[i]] = acc[i];
      Block body = convert(map, Affine::cst(l_.lb + vt * w_), static_cast<int>(rem));
      for (Stmt& s : body) tail.push_back(std::move(s));
      for (size_t i = 0; i < acc.size(); ++i)
        acc[i] = emit(tail, Op::Select, {mask, map.at(l_.yields[i]), acc[i]}, Type::f32(w_));
    }
    for (size_t i = 0; i < acc.size(); ++i) finals.push_back(reduce(tail, i, acc[i]));
    if (rem > 0 && scalar_tail) {
      Remap m;
      Loop copy = l_;
      Block one;
      one.push_back(Stmt(std::move(copy)));
      Block cloned = clone_block(k_, one, m);
      Loop& t = cloned[0].loop();
      t.lb = l_.lb + vt * w_;
      t.inits = finals;
      finals = t.results;
      tail.push_back(std::move(cloned[0]));
    }
    for (Stmt& s : lanes_.preheader()) r.stmts.push_back(std::move(s));
    for (Stmt& s : main_stmts) r.stmts.push_back(std::move(s));
    for (Stmt& s : tail) r.stmts.push_back(std::move(s));
    for (size_t i = 0; i < finals.size(); ++i) r.values.emplace_back(l_.results[i], finals[i]);
    return r;
  }

 private:
  ValueId emit(Block& b, Op op, std::vector<ValueId> args, Type t, float imm = 0.0f, int mask = 0) {
    Inst i;
    i.op = op;
    i.args = std::move(args);
    i.imm = imm;
    i.mask_lanes = mask;
    i.result = k_.new_value(op == Op::Const ? "c" : op == Op::Mask ? "m" : op_name(op), t);
    b.push_back(Stmt(std::move(i)));
    return b.back().inst().result;
  }

  // The final scalar of reduction i from its vector accumulator.
  ValueId reduce(Block& b, size_t i, ValueId vacc) {
    switch (plan_.reductions[i]) {
      case Reduction::kAdd: {
        ValueId s = emit(b, Op::ReduceAdd, {vacc}, Type::f32());
        return emit(b, Op::Add, {l_.inits[i], s}, Type::f32());
      }
      case Reduction::kMax: return emit(b, Op::ReduceMax, {vacc}, Type::f32());
      case Reduction::kMin: return emit(b, Op::ReduceMin, {vacc}, Type::f32());
    }
    return kNoValue;
  }

  // The loop body on w_ lanes with the induction variable replaced by iv; mask > 0 masks the accesses.
  Block convert(std::unordered_map<ValueId, ValueId>& map, const Affine& iv, int mask) {
    Block out;
    for (const Stmt& s : l_.body) {
      Inst i = lanes_.widen(s.inst(), l_.iv, mask, map);
      for (Affine& x : i.index) x = x.substitute(l_.iv, iv);
      out.push_back(Stmt(std::move(i)));
    }
    return out;
  }

  Kernel& k_;
  const Loop& l_;
  const Plan& plan_;
  int w_;
  LaneWidener lanes_;
};

}  // namespace

Status vectorize(Kernel& k, const VectorizeOptions& o) {
  if (!is_valid_lane_count(o.width) || o.width == 1)
    return Diag{"", 0, 0, "", fmt::format("vectorize: width must be 4, 8 or 16, not {}", o.width)};
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "vectorize", o.loop, DefaultLoops::kInnermost);
  if (!targets) return targets.error();
  bool named = !o.loop.empty();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) -> Status {
    Expected<Plan> p = analyze(k, l);
    if (!p) return named ? Status(p.error()) : Status();
    if (o.scalar_tail && l.trip_count() < o.width) return {};  // nothing to put on vectors
    out = Vectorizer(k, l, *p, o.width).run(o.scalar_tail);
    return {};
  });
}

PassInfo vectorize_pass_info() {
  return {"vectorize",
          "turn a unit-stride loop into vector ops with a masked (or scalar) tail; reductions in vector accumulators",
          {{"width", OptionType::kInt, "16", "vector lanes: 4, 8 or 16"},
           {"tail", OptionType::kWord, "mask", "remainder iterations: 'mask' or 'scalar'", {"mask", "scalar"}},
           {"loop", OptionType::kName, "", "loops named so (default: every innermost loop)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            VectorizeOptions v;
            v.width = static_cast<int>(o.get_int("width"));
            v.scalar_tail = o.get_word("tail") == "scalar";
            v.loop = o.get_word("loop");
            return vectorize(k, v);
          }};
}

}  // namespace njc::passes
