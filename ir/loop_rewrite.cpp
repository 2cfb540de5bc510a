// Loop IR rewriting helpers: cloning with renaming, substitution, use replacement.
#include "ir/loop_rewrite.h"

namespace njc::loop {

namespace {
ValueId mapped(const Remap& m, ValueId v) {
  auto it = m.values.find(v);
  return it == m.values.end() ? v : it->second;
}
}  // namespace

Affine remap_affine(const Affine& a, const Remap& map) {
  Affine r = a;
  for (const AffineTerm& t : a.terms) {
    auto it = map.ivs.find(t.iv);
    if (it != map.ivs.end()) r = r.substitute(t.iv, it->second);
  }
  return r;
}

Block clone_block(Kernel& k, const Block& b, Remap& map) {
  Block out;
  out.reserve(b.size());
  for (const Stmt& s : b) {
    if (!s.is_loop()) {
      Inst i = s.inst();
      for (ValueId& a : i.args) a = mapped(map, a);
      for (Affine& x : i.index) x = remap_affine(x, map);
      if (i.result != kNoValue) {
        ValueId fresh = k.copy_value(i.result, k.type_of(i.result));
        map.values[i.result] = fresh;
        i.result = fresh;
      }
      out.push_back(Stmt(std::move(i)));
      continue;
    }
    const Loop& l = s.loop();
    Loop c;
    c.lb = l.lb;
    c.ub = l.ub;
    c.step = l.step;
    c.loc = l.loc;
    c.iv = k.copy_value(l.iv, Type::index());
    map.ivs[l.iv] = Affine::var(c.iv);
    for (ValueId v : l.inits) c.inits.push_back(mapped(map, v));
    for (ValueId v : l.iter_args) {
      c.iter_args.push_back(k.copy_value(v, k.type_of(v)));
      map.values[v] = c.iter_args.back();
    }
    c.body = clone_block(k, l.body, map);
    for (ValueId v : l.yields) c.yields.push_back(mapped(map, v));
    for (ValueId v : l.results) {
      c.results.push_back(k.copy_value(v, k.type_of(v)));
      map.values[v] = c.results.back();
    }
    out.push_back(Stmt(std::move(c)));
  }
  return out;
}

void substitute_iv(Block& b, ValueId iv, const Affine& repl) {
  for_each_inst(b, [&](Inst& i) {
    for (Affine& x : i.index) x = x.substitute(iv, repl);
  });
}

void replace_uses(Block& b, ValueId from, ValueId to) {
  for (Stmt& s : b) {
    if (!s.is_loop()) {
      for (ValueId& a : s.inst().args)
        if (a == from) a = to;
      continue;
    }
    Loop& l = s.loop();
    for (ValueId& v : l.inits)
      if (v == from) v = to;
    replace_uses(l.body, from, to);
    for (ValueId& v : l.yields)
      if (v == from) v = to;
  }
}

int count_uses(const Block& b, ValueId v) {
  int n = 0;
  for (const Stmt& s : b) {
    if (!s.is_loop()) {
      for (ValueId a : s.inst().args) n += a == v;
      continue;
    }
    const Loop& l = s.loop();
    for (ValueId x : l.inits) n += x == v;
    n += count_uses(l.body, v);
    for (ValueId x : l.yields) n += x == v;
  }
  return n;
}

}  // namespace njc::loop
