// fuse: sibling loops with the same bounds merged into one (docs/passes.md, "fuse").
#include "passes/fuse.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "ir/loop_rewrite.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

// What a statement touches: the values it uses from outside itself, the values it defines for later
// statements, and the buffers it reads and writes.
struct Footprint {
  std::unordered_set<ValueId> uses, defines;
  std::unordered_set<BufferId> reads, writes;
};

void add_block(const Block& b, Footprint& f, std::unordered_set<ValueId>& inner);

void add_stmt(const Stmt& s, Footprint& f, std::unordered_set<ValueId>& inner) {
  if (!s.is_loop()) {
    const Inst& in = s.inst();
    for (ValueId a : in.args) f.uses.insert(a);
    if (in.buffer >= 0) {
      const unsigned flags = op_info(in.op).flags;
      if (flags & kReads) f.reads.insert(in.buffer);
      if (flags & kWrites) f.writes.insert(in.buffer);
    }
    if (in.result != kNoValue) inner.insert(in.result);
    return;
  }
  const Loop& l = s.loop();
  for (ValueId v : l.inits) f.uses.insert(v);
  for (ValueId v : l.iter_args) inner.insert(v);
  add_block(l.body, f, inner);
  for (ValueId v : l.yields) f.uses.insert(v);
  for (ValueId v : l.results) inner.insert(v);
}

void add_block(const Block& b, Footprint& f, std::unordered_set<ValueId>& inner) {
  for (const Stmt& s : b) add_stmt(s, f, inner);
}

Footprint footprint(const Stmt& s) {
  Footprint f;
  std::unordered_set<ValueId> inner;
  add_stmt(s, f, inner);
  std::erase_if(f.uses, [&](ValueId v) { return inner.count(v) != 0; });
  if (s.is_loop())
    f.defines.insert(s.loop().results.begin(), s.loop().results.end());
  else if (s.inst().result != kNoValue)
    f.defines.insert(s.inst().result);
  return f;
}

bool intersects(const std::unordered_set<int32_t>& a, const std::unordered_set<int32_t>& b) {
  for (int32_t x : a)
    if (b.count(x)) return true;
  return false;
}

// Whether b may run before a (they touch no common buffer that either writes, and b uses nothing a
// defines).
bool may_swap(const Footprint& a, const Footprint& b) {
  return !intersects(a.defines, b.uses) && !intersects(a.writes, b.reads) && !intersects(a.writes, b.writes) &&
         !intersects(a.reads, b.writes);
}

// How loop b (at j) joins loop a (at i) of a block: the statements between them that b depends on (its
// slice: they define values b uses, or touch its buffers) move above a with it, in their order; the others
// stay between a and b. Empty `why` when it can.
struct FusePlan {
  std::vector<size_t> slice;
  std::string why;
};

void add_footprint(Footprint& into, const Footprint& f) {
  into.uses.insert(f.uses.begin(), f.uses.end());
  into.defines.insert(f.defines.begin(), f.defines.end());
  into.reads.insert(f.reads.begin(), f.reads.end());
  into.writes.insert(f.writes.begin(), f.writes.end());
}

FusePlan plan_fusion(const Block& blk, size_t i, size_t j) {
  const Loop &a = blk[i].loop(), &b = blk[j].loop();
  if (a.lb != b.lb || a.ub != b.ub || a.step != b.step) return {{}, "their bounds differ"};
  const Footprint fa = footprint(blk[i]);
  Footprint moving = footprint(blk[j]);  // b and its slice so far
  if (!may_swap(fa, moving)) return {{}, "their bodies depend on each other"};
  FusePlan p;
  for (size_t s = j; s-- > i + 1;) {
    const Footprint fs = footprint(blk[s]);
    if (may_swap(fs, moving)) continue;
    p.slice.insert(p.slice.begin(), s);
    add_footprint(moving, fs);
  }
  // Each slice statement moves above a and above the statements between that stay.
  for (size_t n = 0; n < p.slice.size(); ++n) {
    const Footprint fs = footprint(blk[p.slice[n]]);
    if (!may_swap(fa, fs)) return {{}, "a statement between them needs the first loop's results"};
    for (size_t x = i + 1; x < p.slice[n]; ++x)
      if (std::find(p.slice.begin(), p.slice.end(), x) == p.slice.end() && !may_swap(footprint(blk[x]), fs))
        return {{}, "a statement between them must run before the second"};
  }
  return p;
}

Loop merge(Loop a, Loop b) {
  substitute_iv(b.body, b.iv, Affine::var(a.iv));
  a.iter_args.insert(a.iter_args.end(), b.iter_args.begin(), b.iter_args.end());
  a.inits.insert(a.inits.end(), b.inits.begin(), b.inits.end());
  for (Stmt& s : b.body) a.body.push_back(std::move(s));
  a.yields.insert(a.yields.end(), b.yields.begin(), b.yields.end());
  a.results.insert(a.results.end(), b.results.begin(), b.results.end());
  return a;
}

class Fuser {
 public:
  // targets: the loops whose bodies are fused, or null for every block.
  Fuser(const Kernel& k, const std::unordered_set<ValueId>* targets) : k_(k), targets_(targets) {}

  void run(Block& b, bool selected_block) {
    for (Stmt& s : b)
      if (s.is_loop()) run(s.loop().body, !targets_ || targets_->count(s.loop().iv) != 0);
    if (!selected_block) return;
    for (size_t i = 0; i < b.size(); ++i) {
      if (!b[i].is_loop()) continue;
      for (size_t j = i + 1; j < b.size();) {
        if (!b[j].is_loop()) {
          ++j;
          continue;
        }
        FusePlan p = plan_fusion(b, i, j);
        if (!p.why.empty()) {
          last_refusal_ = loop_error(b[j].loop(), "fuse: cannot fuse " + loop_name(k_, b[j].loop()) + " into " +
                                                      loop_name(k_, b[i].loop()) + ": " + p.why);
          ++j;
          continue;
        }
        i = reorder(b, i, j, p.slice);
        Loop merged = merge(std::move(b[i].loop()), std::move(b[j].loop()));
        b[i] = Stmt(std::move(merged));
        b.erase(b.begin() + static_cast<long>(j));
        ++merges_;
      }
    }
  }
  int merges() const { return merges_; }
  const std::optional<Diag>& last_refusal() const { return last_refusal_; }

 private:
  // The slice moved above a (at i): returns a's new position; b stays at j.
  static size_t reorder(Block& b, size_t i, size_t j, const std::vector<size_t>& slice) {
    if (slice.empty()) return i;
    Block moved, stay;
    for (size_t s = i + 1; s < j; ++s)
      (std::find(slice.begin(), slice.end(), s) != slice.end() ? moved : stay).push_back(std::move(b[s]));
    Stmt a = std::move(b[i]);
    size_t at = i;
    for (Stmt& s : moved) b[at++] = std::move(s);
    const size_t a_at = at;
    b[at++] = std::move(a);
    for (Stmt& s : stay) b[at++] = std::move(s);
    return a_at;
  }
  const Kernel& k_;
  const std::unordered_set<ValueId>* targets_;
  int merges_ = 0;
  std::optional<Diag> last_refusal_;
};

}  // namespace

Status fuse(Kernel& k, const FuseOptions& o) {
  std::optional<std::unordered_set<ValueId>> targets;
  if (!o.in.empty()) {
    Expected<std::unordered_set<ValueId>> named = select_loops(k, "fuse", o.in, DefaultLoops::kAll);
    if (!named) return named.error();
    targets = std::move(*named);
  }
  Fuser f(k, targets ? &*targets : nullptr);
  f.run(k.body, !targets);
  if (!targets || f.merges() > 0) return {};
  if (f.last_refusal()) return *f.last_refusal();
  const Loop* outer = nullptr;
  for_each_loop(k.body, [&](const Loop& l, int) {
    if (!outer && targets->count(l.iv)) outer = &l;
  });
  return loop_error(*outer, fmt::format("fuse: no two loops with the same bounds inside %{}", o.in));
}

PassInfo fuse_pass_info() {
  return {"fuse",
          "merge sibling loops with the same bounds into one (independent bodies, nothing in between they need)",
          {{"in", OptionType::kName, "", "fuse inside the loops named so (default: in every block)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            FuseOptions f;
            f.in = o.get_word("in");
            return fuse(k, f);
          }};
}

}  // namespace njc::passes
