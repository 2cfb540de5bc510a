// unroll: body replication with remainder iterations as straight-line code.
#include "passes/unroll.h"

#include "ir/loop_rewrite.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

// Appends one copy of l's body to out for iv = at, with the loop-carried values currently `carried`;
// updates carried to the copy's yields.
void emit_copy(Kernel& k, const Loop& l, const Affine& at, std::vector<ValueId>& carried, Block& out) {
  Remap m;
  m.ivs[l.iv] = at;
  for (size_t n = 0; n < l.iter_args.size(); ++n) m.values[l.iter_args[n]] = carried[n];
  Block copy = clone_block(k, l.body, m);
  for (Stmt& s : copy) out.push_back(std::move(s));
  for (size_t n = 0; n < l.yields.size(); ++n) {
    auto it = m.values.find(l.yields[n]);
    carried[n] = it == m.values.end() ? l.yields[n] : it->second;
  }
}

Status unroll_loop(Kernel& k, Loop& l, int64_t factor, std::optional<LoopReplacement>& out) {
  int64_t n = l.trip_count();
  if (factor > n) factor = n;
  if (factor <= 1 && n > 1) return {};
  int64_t groups = factor > 0 ? n / factor : 0;
  int64_t rem = factor > 0 ? n % factor : 0;
  LoopReplacement r;
  std::vector<ValueId> carried = l.inits;
  if (groups >= 2) {
    // The loop stays, stepping over factor iterations; copy 0 is the original body in place. Built in
    // place in r.stmts (nothing else is appended until it is complete).
    Loop& main = r.stmts.emplace_back(Loop{}).loop();
    main.iv = l.iv;
    main.lb = l.lb;
    main.step = l.step * factor;
    main.ub = l.lb + groups * main.step;
    main.loc = l.loc;
    main.iter_args = l.iter_args;
    main.inits = l.inits;
    main.body = l.body;  // copy 0 keeps the original names
    std::vector<ValueId> inner = l.yields;
    for (int64_t s = 1; s < factor; ++s) emit_copy(k, l, Affine::var(l.iv) + s * l.step, inner, main.body);
    main.yields = inner;
    for (ValueId res : l.results) main.results.push_back(k.copy_value(res, k.type_of(res)));
    carried = main.results;
  } else {
    rem = n;  // a single group: everything straight-line
  }
  for (int64_t s = n - rem; s < n; ++s) emit_copy(k, l, Affine::cst(l.lb + s * l.step), carried, r.stmts);
  for (size_t i = 0; i < l.results.size(); ++i) r.values.emplace_back(l.results[i], carried[i]);
  out = std::move(r);
  return {};
}

}  // namespace

Status unroll(Kernel& k, const UnrollOptions& o) {
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "unroll", o.loop, DefaultLoops::kInnermost);
  if (!targets) return targets.error();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) {
    return unroll_loop(k, l, o.full ? l.trip_count() : o.factor, out);
  });
}

PassInfo unroll_pass_info() {
  return {"unroll",
          "replicate loop bodies factor times; remainder iterations become straight-line copies",
          {{"factor", OptionType::kInt, "4", "copies per iteration, or 'full'", {"full"}},
           {"loop", OptionType::kName, "", "loops named so (default: every innermost loop)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            UnrollOptions u;
            u.full = o.get_word("factor") == "full";
            if (!u.full) u.factor = o.get_int("factor");
            u.loop = o.get_word("loop");
            return unroll(k, u);
          }};
}

}  // namespace njc::passes
