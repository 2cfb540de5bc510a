// register-tile: scalar replacement of loop-invariant load/store addresses by loop-carried values.
#include "passes/register_tile.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/loop_rewrite.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

struct Key {
  BufferId buffer;
  std::vector<Affine> index;
  int lanes;
  int mask;
  bool operator==(const Key&) const = default;
  int64_t extent() const { return mask ? mask : lanes; }
};

bool is_access(const Inst& i) { return i.op == Op::Load || i.op == Op::LoadBcast || i.op == Op::Store; }

Key key_of(const Kernel& k, const Inst& i) {
  Type t = i.op == Op::Store ? k.type_of(i.args[0]) : k.type_of(i.result);
  return {i.buffer, i.index, t.lanes, i.mask_lanes};
}

// Can two promoted addresses of one buffer touch the same element? Only provably disjoint pairs pass:
// an earlier dimension differing by a constant, or the last one by at least the extent.
bool disjoint(const Key& a, const Key& b) {
  for (size_t d = 0; d < a.index.size(); ++d) {
    Affine diff = a.index[d].plus(b.index[d], -1);
    if (!diff.is_constant()) return false;
    if (d + 1 < a.index.size()) {
      if (diff.constant != 0) return true;
      continue;
    }
    return diff.constant >= b.extent() || -diff.constant >= a.extent();
  }
  return false;
}

// The addresses of l to promote, in order of first appearance; why none when empty.
std::vector<Key> plan(const Kernel& k, const Loop& l, std::string& why) {
  std::vector<Key> keys;
  std::vector<BufferId> stored;
  for (const Stmt& s : l.body) {
    if (s.is_loop() || !is_access(s.inst())) continue;
    const Inst& i = s.inst();
    bool invariant = std::none_of(i.index.begin(), i.index.end(), [&](const Affine& a) { return a.uses(l.iv); });
    if (!invariant || i.op == Op::LoadBcast) continue;
    Key key = key_of(k, i);
    if (i.op == Op::Store && std::find(stored.begin(), stored.end(), i.buffer) == stored.end())
      stored.push_back(i.buffer);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  if (stored.empty()) {
    why = "no store in its body has an address invariant in the loop";
    return {};
  }
  std::vector<Key> out;
  for (BufferId b : stored) {
    std::vector<Key> mine;
    for (const Key& key : keys)
      if (key.buffer == b) mine.push_back(key);
    bool ok = true;
    for_each_inst(l.body, [&](const Inst& i) {
      if (is_access(i) && i.buffer == b && (i.op == Op::LoadBcast || std::find(mine.begin(), mine.end(), key_of(k, i)) == mine.end()))
        ok = false;
    });
    for (const Stmt& s : l.body)  // accesses inside nested loops are not direct: cannot be replaced
      if (s.is_loop())
        for_each_inst(s.loop().body, [&](const Inst& i) { ok = ok && !(is_access(i) && i.buffer == b); });
    for (size_t x = 0; ok && x < mine.size(); ++x)
      for (size_t y = x + 1; ok && y < mine.size(); ++y) ok = disjoint(mine[x], mine[y]);
    if (!ok) {
      why = fmt::format("%{} is also accessed at addresses that vary with the loop or may overlap",
                        k.buffer(b).name);
      continue;
    }
    for (const Key& key : mine) out.push_back(key);
  }
  return out;
}

Inst access(Op op, const Key& key) {
  Inst i;
  i.op = op;
  i.buffer = key.buffer;
  i.index = key.index;
  i.mask_lanes = key.mask;
  return i;
}

LoopReplacement promote(Kernel& k, Loop& l, const std::vector<Key>& keys) {
  LoopReplacement r;
  std::vector<ValueId> cur;
  size_t first_new = l.iter_args.size();
  for (const Key& key : keys) {
    Inst ld = access(Op::Load, key);
    ld.result = k.new_value("acc", Type::f32(key.lanes));
    l.inits.push_back(ld.result);
    l.iter_args.push_back(k.new_value("acc", Type::f32(key.lanes)));
    cur.push_back(l.iter_args.back());
    r.stmts.push_back(Stmt(std::move(ld)));
  }
  Block body;
  std::vector<std::pair<ValueId, ValueId>> renames;
  for (Stmt& s : l.body) {
    Block one;
    one.push_back(std::move(s));
    for (auto [from, to] : renames) replace_uses(one, from, to);
    Stmt& x = one[0];
    if (!x.is_loop() && (x.inst().op == Op::Load || x.inst().op == Op::Store)) {
      auto it = std::find(keys.begin(), keys.end(), key_of(k, x.inst()));
      if (it != keys.end()) {
        size_t n = static_cast<size_t>(it - keys.begin());
        if (x.inst().op == Op::Load)
          renames.emplace_back(x.inst().result, cur[n]);
        else
          cur[n] = x.inst().args[0];
        continue;
      }
    }
    body.push_back(std::move(x));
  }
  l.body = std::move(body);
  for (auto [from, to] : renames)
    for (ValueId& y : l.yields)
      if (y == from) y = to;
  for (size_t n = 0; n < keys.size(); ++n) {
    l.yields.push_back(cur[n]);
    l.results.push_back(k.new_value("acc", Type::f32(keys[n].lanes)));
  }
  std::vector<ValueId> results(l.results.begin() + static_cast<std::ptrdiff_t>(first_new), l.results.end());
  r.stmts.push_back(Stmt(std::move(l)));
  for (size_t n = 0; n < keys.size(); ++n) {
    Inst st = access(Op::Store, keys[n]);
    st.args = {results[n]};
    r.stmts.push_back(Stmt(std::move(st)));
  }
  return r;
}

}  // namespace

Status register_tile(Kernel& k, const RegisterTileOptions& o) {
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "register-tile", o.loop, DefaultLoops::kAll);
  if (!targets) return targets.error();
  bool named = !o.loop.empty();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) -> Status {
    std::string why;
    std::vector<Key> keys = plan(k, l, why);
    if (keys.empty()) {
      if (!named) return {};
      return loop_error(l, fmt::format("register-tile: nothing to keep in registers across {}: {}", loop_name(k, l), why));
    }
    out = promote(k, l, keys);
    return {};
  });
}

PassInfo register_tile_pass_info() {
  return {"register-tile",
          "keep loop-invariant accumulators in loop-carried values: loaded once before, stored once after",
          {{"loop", OptionType::kName, "", "loops named so (default: every loop where something qualifies)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            RegisterTileOptions r;
            r.loop = o.get_word("loop");
            return register_tile(k, r);
          }};
}

}  // namespace njc::passes
