// vectorize-outer: a loop with inner loops onto vector lanes (docs/passes.md, "vectorize-outer").
#include "passes/vectorize_outer.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "ir/loop_rewrite.h"
#include "passes/lane_widener.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

bool contains_loop(const Block& b) {
  return std::any_of(b.begin(), b.end(), [](const Stmt& s) { return s.is_loop(); });
}

// Whether a load at `read` never touches an element a store at `stored` writes during the loop: in some
// dimension the two indexes differ only in the variables of `local` (the loop's and its inner loops'; the
// variables of enclosing loops are the same for both), and the value ranges of those parts do not overlap
// (h[t - 1] read, h[t] stored).
bool never_overlaps(const std::unordered_set<ValueId>& local, const std::vector<IvRange>& ranges,
                    const std::vector<Affine>& stored, const std::vector<Affine>& read) {
  auto split = [&](const Affine& a, Affine& outer, IvRange& r) {
    r = {a.constant, a.constant};
    for (const AffineTerm& t : a.terms) {
      if (!local.count(t.iv)) {
        outer = outer.plus(Affine::var(t.iv, t.coeff));
        continue;
      }
      const IvRange& v = ranges[static_cast<size_t>(t.iv)];
      r.lo += std::min(t.coeff * v.lo, t.coeff * v.hi);
      r.hi += std::max(t.coeff * v.lo, t.coeff * v.hi);
    }
  };
  for (size_t d = 0; d < stored.size() && d < read.size(); ++d) {
    Affine outer_s, outer_r;
    IvRange rs, rr;
    split(stored[d], outer_s, rs);
    split(read[d], outer_r, rr);
    if (outer_s == outer_r && (rs.hi < rr.lo || rr.hi < rs.lo)) return true;
  }
  return false;
}

// The refusal reason for l, or "" when l can be vectorized.
std::string why_not(const Kernel& k, const Loop& l) {
  if (l.step != 1) return fmt::format("step is {}, not 1", l.step);
  if (!contains_loop(l.body)) return "its body has no inner loop (use vectorize)";
  if (!l.iter_args.empty()) return "it carries values from one iteration to the next";
  std::unordered_set<ValueId> inner_ivs;
  for_each_loop(l.body, [&](const Loop& in, int) { inner_ivs.insert(in.iv); });
  std::map<BufferId, std::vector<Affine>> stored;  // buffer -> the one index every access must use
  std::string why;
  for_each_inst(l.body, [&](const Inst& i) {
    if (!why.empty()) return;
    bool vector = (i.result != kNoValue && k.type_of(i.result).is_vector()) ||
                  std::any_of(i.args.begin(), i.args.end(), [&](ValueId a) { return k.type_of(a).is_vector(); });
    if (vector || i.op == Op::Mask || i.op == Op::Splat) {
      why = "it is vector code already";
      return;
    }
    if (i.index.empty()) return;
    const std::string& b = k.buffer(i.buffer).name;
    for (size_t d = 0; d + 1 < i.index.size(); ++d)
      if (i.index[d].uses(l.iv)) why = fmt::format("the access to %{} strides dimension {} with it", b, d);
    int64_t c = i.index.back().coeff_of(l.iv);
    if (c != 0 && c != 1) why = fmt::format("the access to %{} has stride {} in it", b, c);
    if (i.op == Op::Store && c == 0) why = fmt::format("the store to %{} is the same for every iteration", b);
    if (i.op != Op::Store) return;
    for (const Affine& a : i.index)
      for (const AffineTerm& t : a.terms)
        if (inner_ivs.count(t.iv)) why = fmt::format("the store to %{} moves with an inner loop", b);
    stored.emplace(i.buffer, i.index);
  });
  if (!why.empty()) return why;
  std::unordered_set<ValueId> local = inner_ivs;
  local.insert(l.iv);
  std::vector<IvRange> ranges;  // of every loop variable, computed at the first load that needs them
  for_each_inst(l.body, [&](const Inst& i) {
    auto it = i.index.empty() ? stored.end() : stored.find(i.buffer);
    if (!why.empty() || it == stored.end() || it->second == i.index) return;
    if (i.op != Op::Store && ranges.empty()) ranges = iv_ranges(k);
    if (i.op == Op::Store || !never_overlaps(local, ranges, it->second, i.index))
      why = fmt::format("%{} is stored and also accessed at another index", k.buffer(i.buffer).name);
  });
  if (!why.empty()) return why;
  // Values from outside get splat, which takes f32 only.
  std::unordered_set<ValueId> inside;
  for_each_inst(l.body, [&](const Inst& i) { inside.insert(i.result); });
  for_each_loop(l.body, [&](const Loop& in, int) {
    inside.insert(in.iter_args.begin(), in.iter_args.end());
    inside.insert(in.results.begin(), in.results.end());
  });
  auto check = [&](ValueId a) {
    if (why.empty() && !inside.count(a) && k.type_of(a) != Type::f32())
      why = fmt::format("%{} from outside the loop is not an f32 scalar", k.name_of(a));
  };
  for_each_inst(l.body, [&](const Inst& i) { std::for_each(i.args.begin(), i.args.end(), check); });
  for_each_loop(l.body, [&](const Loop& in, int) {
    std::for_each(in.inits.begin(), in.inits.end(), check);
    std::for_each(in.yields.begin(), in.yields.end(), check);
  });
  return why;
}

class OuterVectorizer {
 public:
  OuterVectorizer(Kernel& k, const Loop& l, int width) : k_(k), l_(l), w_(width), lanes_(k, width) {}

  Block run() {
    int64_t n = l_.trip_count(), vt = n / w_, rem = n % w_;
    Block main, tail;
    if (vt > 0) {
      Loop m;
      m.iv = l_.iv;
      m.lb = l_.lb;
      m.ub = l_.lb + vt * w_;
      m.step = w_;
      m.loc = l_.loc;
      Remap map;
      map.ivs[l_.iv] = Affine::var(l_.iv);
      m.body = convert(l_.body, map, 0);
      main.push_back(Stmt(std::move(m)));
    }
    if (rem > 0) {
      Remap map;
      map.ivs[l_.iv] = Affine::cst(l_.lb + vt * w_);
      tail = convert(l_.body, map, static_cast<int>(rem));
    }
    Block out = std::move(lanes_.preheader());
    for (Stmt& s : main) out.push_back(std::move(s));
    for (Stmt& s : tail) out.push_back(std::move(s));
    return out;
  }

 private:
  ValueId mapped(const Remap& map, ValueId v) {
    auto it = map.values.find(v);
    return it != map.values.end() ? it->second : lanes_.outside(v);
  }

  // b on w_ lanes: values renamed to vector copies, inner loops with fresh induction variables, the
  // vectorized one replaced as map.ivs says; mask > 0 masks the vector accesses.
  Block convert(const Block& b, Remap& map, int mask) {
    Block out;
    for (const Stmt& s : b) {
      if (s.is_loop()) {
        out.push_back(Stmt(convert_loop(s.loop(), map, mask)));
        continue;
      }
      Inst i = lanes_.widen(s.inst(), l_.iv, mask, map.values);
      for (Affine& x : i.index) x = remap_affine(x, map);
      out.push_back(Stmt(std::move(i)));
    }
    return out;
  }

  Loop convert_loop(const Loop& l, Remap& map, int mask) {
    Loop c;
    c.lb = l.lb;
    c.ub = l.ub;
    c.step = l.step;
    c.loc = l.loc;
    c.iv = k_.copy_value(l.iv, Type::index());
    map.ivs[l.iv] = Affine::var(c.iv);
    for (ValueId v : l.inits) c.inits.push_back(mapped(map, v));
    for (ValueId a : l.iter_args) {
      c.iter_args.push_back(k_.copy_value(a, lanes_.widened(k_.type_of(a))));
      map.values[a] = c.iter_args.back();
    }
    c.body = convert(l.body, map, mask);
    for (ValueId y : l.yields) c.yields.push_back(mapped(map, y));
    for (ValueId r : l.results) {
      c.results.push_back(k_.copy_value(r, lanes_.widened(k_.type_of(r))));
      map.values[r] = c.results.back();
    }
    return c;
  }

  Kernel& k_;
  const Loop& l_;
  int w_;
  LaneWidener lanes_;
};

}  // namespace

Status vectorize_outer(Kernel& k, const VectorizeOuterOptions& o) {
  if (!is_valid_lane_count(o.width) || o.width == 1)
    return Diag{"", 0, 0, "", fmt::format("vectorize-outer: width must be 4, 8 or 16, not {}", o.width)};
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "vectorize-outer", o.loop, DefaultLoops::kAll);
  if (!targets) return targets.error();
  bool named = !o.loop.empty();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) -> Status {
    std::string why = why_not(k, l);
    if (!why.empty()) {
      if (!named) return {};
      return loop_error(l, fmt::format("vectorize-outer: cannot vectorize {}: {}", loop_name(k, l), why));
    }
    out = LoopReplacement{OuterVectorizer(k, l, o.width).run(), {}};
    return {};
  });
}

PassInfo vectorize_outer_pass_info() {
  return {"vectorize-outer",
          "put W iterations of a loop that contains loops on W vector lanes (inner loops carry vectors)",
          {{"width", OptionType::kInt, "16", "vector lanes: 4, 8 or 16"},
           {"loop", OptionType::kName, "", "loops named so (default: every loop that contains a loop)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            VectorizeOuterOptions v;
            v.width = static_cast<int>(o.get_int("width"));
            v.loop = o.get_word("loop");
            return vectorize_outer(k, v);
          }};
}

}  // namespace njc::passes
