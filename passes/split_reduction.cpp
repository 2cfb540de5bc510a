// split-reduction: multiple accumulator sets for add reductions carried by a loop.
#include "passes/split_reduction.h"

#include <fmt/format.h>

#include "ir/loop_rewrite.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

// Whether iter_arg n of l is an add reduction (see the header).
bool is_add_reduction(const Loop& l, size_t n) {
  ValueId a = l.iter_args[n];
  const Inst* user = nullptr;
  int direct = 0;
  for (const Stmt& s : l.body)
    if (!s.is_loop())
      for (ValueId x : s.inst().args)
        if (x == a) ++direct, user = &s.inst();
  if (direct != 1 || count_uses(l.body, a) != 1) return false;
  bool addend = user->op == Op::Add || (user->op == Op::Fma && user->args[2] == a && user->args[0] != a &&
                                        user->args[1] != a);
  if (!addend || user->result != l.yields[n] || count_uses(l.body, user->result) != 0) return false;
  int yielded = 0;
  for (ValueId y : l.yields) yielded += y == user->result;
  return yielded == 1;
}

ValueId emit(Kernel& k, Block& b, Op op, std::vector<ValueId> args, Type t) {
  Inst i;
  i.op = op;
  i.args = std::move(args);
  i.result = k.new_value(op == Op::Const ? "c" : op_name(op), t);
  b.push_back(Stmt(std::move(i)));
  return b.back().inst().result;
}

LoopReplacement split(Kernel& k, Loop& l, const std::vector<bool>& red, int64_t ways) {
  int64_t n = l.trip_count();
  int64_t groups = n / ways;
  int64_t rem = n % ways;
  size_t carried = l.iter_args.size();
  LoopReplacement r;
  // sets[i][s]: the iter_arg of value i in copy s (one set for non-reductions).
  std::vector<std::vector<ValueId>> sets(carried), yields(carried);
  Loop m;
  m.iv = l.iv;
  m.lb = l.lb;
  m.step = l.step * ways;
  m.ub = l.lb + groups * m.step;
  m.loc = l.loc;
  std::vector<ValueId> zero_of_lanes(17, kNoValue);
  for (size_t i = 0; i < carried; ++i) {
    sets[i].push_back(l.iter_args[i]);
    m.iter_args.push_back(l.iter_args[i]);
    m.inits.push_back(l.inits[i]);
  }
  for (int64_t s = 1; s < ways; ++s)
    for (size_t i = 0; i < carried; ++i) {
      if (!red[i]) continue;
      Type t = k.type_of(l.iter_args[i]);
      ValueId& zero = zero_of_lanes[static_cast<size_t>(t.lanes)];
      if (zero == kNoValue) {
        Inst c;
        c.op = Op::Const;
        c.result = zero = k.new_value("zero", t);
        r.stmts.push_back(Stmt(std::move(c)));
      }
      sets[i].push_back(k.copy_value(l.iter_args[i], t));
      m.iter_args.push_back(sets[i].back());
      m.inits.push_back(zero);
    }
  // Copy 0 is the body as it is; copy s works on set s (reductions) or on the previous copy's values.
  m.body = l.body;
  std::vector<ValueId> chain = l.yields;
  for (size_t i = 0; i < carried; ++i) yields[i].push_back(l.yields[i]);
  for (int64_t s = 1; s < ways; ++s) {
    Remap map;
    map.ivs[l.iv] = Affine::var(l.iv) + s * l.step;
    for (size_t i = 0; i < carried; ++i) map.values[l.iter_args[i]] = red[i] ? sets[i][static_cast<size_t>(s)] : chain[i];
    Block copy = clone_block(k, l.body, map);
    for (Stmt& st : copy) m.body.push_back(std::move(st));
    for (size_t i = 0; i < carried; ++i) {
      auto it = map.values.find(l.yields[i]);
      ValueId y = it == map.values.end() ? l.yields[i] : it->second;
      if (red[i])
        yields[i].push_back(y);
      else
        chain[i] = y;
    }
  }
  for (size_t i = 0; i < carried; ++i) m.yields.push_back(red[i] ? yields[i][0] : chain[i]);
  for (int64_t s = 1; s < ways; ++s)
    for (size_t i = 0; i < carried; ++i)
      if (red[i]) m.yields.push_back(yields[i][static_cast<size_t>(s)]);
  // Results, in iter_arg order.
  std::vector<std::vector<ValueId>> results(carried);
  for (size_t i = 0; i < carried; ++i) {
    m.results.push_back(k.copy_value(l.results[i], k.type_of(l.results[i])));
    results[i].push_back(m.results.back());
  }
  for (int64_t s = 1; s < ways; ++s)
    for (size_t i = 0; i < carried; ++i)
      if (red[i]) {
        m.results.push_back(k.copy_value(l.results[i], k.type_of(l.results[i])));
        results[i].push_back(m.results.back());
      }
  r.stmts.push_back(Stmt(std::move(m)));
  // Pairwise sums: ((a0 + a1) + (a2 + a3)) keeps the add chain short.
  std::vector<ValueId> final_values;
  for (size_t i = 0; i < carried; ++i) {
    std::vector<ValueId> v = results[i];
    while (v.size() > 1) {
      std::vector<ValueId> next;
      for (size_t j = 0; j + 1 < v.size(); j += 2)
        next.push_back(emit(k, r.stmts, Op::Add, {v[j], v[j + 1]}, k.type_of(v[j])));
      if (v.size() % 2) next.push_back(v.back());
      v = next;
    }
    final_values.push_back(v[0]);
  }
  for (int64_t s = n - rem; s < n; ++s) {
    Remap map;
    map.ivs[l.iv] = Affine::cst(l.lb + s * l.step);
    for (size_t i = 0; i < carried; ++i) map.values[l.iter_args[i]] = final_values[i];
    Block copy = clone_block(k, l.body, map);
    for (Stmt& st : copy) r.stmts.push_back(std::move(st));
    for (size_t i = 0; i < carried; ++i) {
      auto it = map.values.find(l.yields[i]);
      final_values[i] = it == map.values.end() ? l.yields[i] : it->second;
    }
  }
  for (size_t i = 0; i < carried; ++i) r.values.emplace_back(l.results[i], final_values[i]);
  return r;
}

}  // namespace

Status split_reduction(Kernel& k, const SplitReductionOptions& o) {
  if (o.ways < 1) return Diag{"", 0, 0, "", fmt::format("split-reduction: ways must be >= 1, not {}", o.ways)};
  Expected<std::unordered_set<ValueId>> targets =
      select_loops(k, "split-reduction", o.loop, DefaultLoops::kAll);
  if (!targets) return targets.error();
  bool named = !o.loop.empty();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) -> Status {
    if (o.ways == 1) return {};
    std::vector<bool> red;
    bool any = false;
    for (size_t i = 0; i < l.iter_args.size(); ++i) {
      red.push_back(is_add_reduction(l, i));
      any = any || red.back();
    }
    std::string why = !any ? "it carries no add reduction"
                      : l.trip_count() < o.ways
                          ? fmt::format("it runs {} iterations, fewer than ways={}", l.trip_count(), o.ways)
                          : "";
    if (!why.empty()) {
      if (!named) return {};
      return loop_error(l, fmt::format("split-reduction: cannot split {}: {}", loop_name(k, l), why));
    }
    out = split(k, l, red, o.ways);
    return {};
  });
}

PassInfo split_reduction_pass_info() {
  return {"split-reduction",
          "N independent accumulator sets over an add reduction, summed after the loop",
          {{"ways", OptionType::kInt, "2", "number of accumulator sets"},
           {"loop", OptionType::kName, "", "loops named so (default: every loop carrying an add reduction)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            SplitReductionOptions s;
            s.ways = o.get_int("ways");
            s.loop = o.get_word("loop");
            return split_reduction(k, s);
          }};
}

}  // namespace njc::passes
