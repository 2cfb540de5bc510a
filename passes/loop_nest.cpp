// Loop-nest utilities: selection, perfect bands, the replacing walker.
#include "passes/loop_nest.h"

#include <fmt/format.h>

#include "ir/loop_rewrite.h"

namespace njc::passes {

using namespace loop;

Expected<std::unordered_set<ValueId>> select_loops(const Kernel& k, std::string_view pass, std::string_view name,
                                                   DefaultLoops def) {
  std::unordered_set<ValueId> out;
  if (!name.empty()) {
    for_each_loop(k.body, [&](const Loop& l, int) {
      if (base_name(k.name_of(l.iv)) == name) out.insert(l.iv);
    });
    if (out.empty()) return Diag{"", k.loc.line, k.loc.col, "", fmt::format("{}: no loop named %{} in @{}", pass, name, k.name)};
    return out;
  }
  for_each_loop(k.body, [&](const Loop& l, int depth) {
    bool innermost = true;
    for (const Stmt& s : l.body) innermost = innermost && !s.is_loop();
    if (def == DefaultLoops::kAll || (def == DefaultLoops::kRoots && depth == 0) ||
        (def == DefaultLoops::kInnermost && innermost))
      out.insert(l.iv);
  });
  return out;
}

std::vector<Loop*> perfect_band(Loop& root) {
  std::vector<Loop*> band;
  Loop* l = &root;
  while (l && l->iter_args.empty()) {
    band.push_back(l);
    l = l->body.size() == 1 && l->body[0].is_loop() ? &l->body[0].loop() : nullptr;
  }
  return band;
}

namespace {

Status rewrite_block(Kernel& k, Block& b, Loop* owner, const std::unordered_set<ValueId>& targets,
                     const LoopRewriter& f) {
  Block out;
  out.reserve(b.size());
  std::vector<std::pair<ValueId, ValueId>> renames;
  for (Stmt& s : b) {
    for (auto [from, to] : renames) {
      Block one;
      one.push_back(std::move(s));
      replace_uses(one, from, to);
      s = std::move(one[0]);
    }
    if (!s.is_loop()) {
      out.push_back(std::move(s));
      continue;
    }
    Loop& l = s.loop();
    if (Status st = rewrite_block(k, l.body, &l, targets, f); !st) return st;
    std::optional<LoopReplacement> r;
    if (targets.count(l.iv))
      if (Status st = f(l, r); !st) return st;
    if (!r) {
      out.push_back(std::move(s));
      continue;
    }
    for (Stmt& n : r->stmts) out.push_back(std::move(n));
    for (auto p : r->values) renames.push_back(p);
  }
  if (owner)
    for (auto [from, to] : renames)
      for (ValueId& y : owner->yields)
        if (y == from) y = to;
  b = std::move(out);
  return {};
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

std::string loop_name(const Kernel& k, const Loop& l) { return "%" + k.name_of(l.iv); }

Diag loop_error(const Loop& l, std::string message) { return Diag{"", l.loc.line, l.loc.col, "", std::move(message)}; }

}  // namespace njc::passes
