// Loop-nest utilities: selection, perfect bands, the replacing walker.
#include "passes/loop_nest.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "ir/loop_rewrite.h"

namespace njc::passes {

using namespace loop;

Expected<std::unordered_set<ValueId>> select_loops(const Kernel& k, std::string_view pass,
                                                   std::string_view name, DefaultLoops def) {
  std::unordered_set<ValueId> out;
  if (!name.empty()) {
    for_each_loop(k.body, [&](const Loop& l, int) {
      if (base_name(k.name_of(l.iv)) == name) out.insert(l.iv);
    });
    if (out.empty())
      return Diag{"", k.loc.line, k.loc.col, "",
                  fmt::format("{}: no loop named %{} in @{}", pass, name, k.name)};
    return out;
  }
  // head: l starts a band (its parent is the kernel, or l is not its parent loop's only statement, or the
  // parent carries values and so is not part of a band).
  std::function<void(const Block&, const Loop*)> walk = [&](const Block& b, const Loop* parent) {
    for (const Stmt& s : b) {
      if (!s.is_loop()) continue;
      const Loop& l = s.loop();
      bool innermost = std::none_of(l.body.begin(), l.body.end(), [](const Stmt& x) { return x.is_loop(); });
      bool head = !parent || parent->body.size() != 1 || !parent->iter_args.empty();
      if (def == DefaultLoops::kAll || (def == DefaultLoops::kBandHeads && head) ||
          (def == DefaultLoops::kInnermost && innermost))
        out.insert(l.iv);
      walk(l.body, &l);
    }
  };
  walk(k.body, nullptr);
  return out;
}

std::vector<Loop*> perfect_band(Loop& root) {
  std::vector<Loop*> band;
  for (const Loop* l : perfect_band(static_cast<const Loop&>(root))) band.push_back(const_cast<Loop*>(l));
  return band;
}

std::vector<const Loop*> perfect_band(const Loop& root) {
  std::vector<const Loop*> band;
  const Loop* l = &root;
  while (l && l->iter_args.empty()) {
    band.push_back(l);
    l = l->body.size() == 1 && l->body[0].is_loop() ? &l->body[0].loop() : nullptr;
  }
  return band;
}

namespace {

// Calls use(v) for every value statement s reads (operands, loop inits and yields, nested ones included).
template <class F>
void for_each_use(const Stmt& s, F&& use) {
  if (!s.is_loop()) {
    for (ValueId a : s.inst().args) use(a);
    return;
  }
  const Loop& l = s.loop();
  for (ValueId v : l.inits) use(v);
  for (const Stmt& inner : l.body) for_each_use(inner, use);
  for (ValueId v : l.yields) use(v);
}

}  // namespace

std::vector<std::pair<size_t, size_t>> independent_runs(const Kernel& k) {
  const Block& body = k.body;
  std::vector<size_t> reach(body.size());  // the last statement that must share a run with statement i
  std::unordered_map<std::string_view, std::pair<size_t, size_t>> name_span;  // first, last statement
  std::vector<size_t> last_use(k.values.size(), 0);
  for (size_t i = 0; i < body.size(); ++i) {
    reach[i] = i;
    for_each_use(body[i], [&](ValueId v) { last_use[static_cast<size_t>(v)] = i; });
    if (!body[i].is_loop()) continue;
    auto note = [&](const Loop& l) {
      auto it = name_span.try_emplace(base_name(k.name_of(l.iv)), i, i).first;
      it->second.second = i;
    };
    note(body[i].loop());
    for_each_loop(body[i].loop().body, [&](const Loop& l, int) { note(l); });
  }
  for (const auto& [name, span] : name_span) reach[span.first] = std::max(reach[span.first], span.second);
  for (size_t i = 0; i < body.size(); ++i)
    if (body[i].is_loop())
      for (ValueId r : body[i].loop().results)
        reach[i] = std::max(reach[i], last_use[static_cast<size_t>(r)]);
  std::vector<std::pair<size_t, size_t>> runs;
  size_t begin = 0, end = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    end = std::max(end, reach[i]);
    if (i < end) continue;
    runs.emplace_back(begin, i + 1);
    begin = end = i + 1;
  }
  return runs;
}

namespace {

// Statements stay in b until every loop of b is handled (rewriters may walk the whole kernel, e.g. for
// induction-variable ranges), then b is rebuilt with the replacements in place. After a refusal the
// rewrites already made are kept, so the kernel stays valid (rewriters refuse before they change a loop).
Status rewrite_block(Kernel& k, Block& b, Loop* owner, const std::unordered_set<ValueId>& targets,
                     const LoopRewriter& f) {
  std::vector<std::optional<LoopReplacement>> repl(b.size());
  std::vector<std::pair<ValueId, ValueId>> renames;
  Status result;
  for (size_t n = 0; n < b.size() && result; ++n) {
    if (!renames.empty()) {
      Block one;
      one.push_back(std::move(b[n]));
      for (auto [from, to] : renames) replace_uses(one, from, to);
      b[n] = std::move(one[0]);
    }
    if (!b[n].is_loop()) continue;
    Loop& l = b[n].loop();
    result = rewrite_block(k, l.body, &l, targets, f);
    if (result && targets.count(l.iv)) result = f(l, repl[n]);
    if (repl[n])
      for (auto p : repl[n]->values) renames.push_back(p);
  }
  if (owner)
    for (auto [from, to] : renames)
      for (ValueId& y : owner->yields)
        if (y == from) y = to;
  Block out;
  out.reserve(b.size());
  for (size_t n = 0; n < b.size(); ++n) {
    if (!repl[n]) {
      out.push_back(std::move(b[n]));
      continue;
    }
    for (Stmt& s : repl[n]->stmts) out.push_back(std::move(s));
  }
  b = std::move(out);
  return result;
}

}  // namespace

Status rewrite_loops(Kernel& k, const std::unordered_set<ValueId>& targets, const LoopRewriter& f) {
  return rewrite_block(k, k.body, nullptr, targets, f);
}

std::vector<IvRange> iv_ranges(const Kernel& k) {
  std::vector<IvRange> r(k.values.size());
  for_each_loop(k.body, [&](const Loop& l, int) {
    r[static_cast<size_t>(l.iv)] = {l.lb, l.trip_count() > 0 ? l.last_iv() : l.lb};
  });
  return r;
}

std::string loop_name(const Kernel& k, const Loop& l) {
  return "%" + k.name_of(l.iv);
}

Diag loop_error(const Loop& l, std::string message) {
  return Diag{"", l.loc.line, l.loc.col, "", std::move(message)};
}

}  // namespace njc::passes
