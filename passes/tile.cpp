// tile: strip-mines the loops of a perfect band and reorders tile loops outside point loops.
#include "passes/tile.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/loop_rewrite.h"
#include "passes/dependence.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

struct Dim {
  Loop header;       // original iv, bounds (body unused)
  int64_t size = 0;  // tile size in iterations; 0: untiled
  int64_t full = 0;  // number of full tiles
  int64_t rem = 0;   // iterations in the partial tile
};

// One nest for one full/remainder choice per tiled dim. first reuses the original names.
Stmt build_nest(Kernel& k, const std::vector<Dim>& dims, const std::vector<bool>& use_rem, const Block& body,
                bool first, std::vector<ValueId>& tile_ivs) {
  Remap map;
  std::vector<Loop> tile_loops, untiled, points;
  for (size_t d = 0; d < dims.size(); ++d) {
    const Dim& x = dims[d];
    const Loop& h = x.header;
    auto fresh_iv = [&](ValueId of) { return first ? of : k.copy_value(of, Type::index()); };
    if (x.size == 0) {
      Loop l;
      l.iv = fresh_iv(h.iv);
      l.lb = h.lb, l.ub = h.ub, l.step = h.step, l.loc = h.loc;
      if (!first) map.ivs[h.iv] = Affine::var(l.iv);
      untiled.push_back(std::move(l));
      continue;
    }
    Loop p;
    p.iv = fresh_iv(h.iv);
    p.step = h.step;
    p.loc = h.loc;
    int64_t tile_span = x.size * h.step;
    if (use_rem[d]) {
      p.lb = h.lb + x.full * tile_span;
      p.ub = p.lb + x.rem * h.step;
      map.ivs[h.iv] = Affine::var(p.iv);
    } else {
      p.lb = 0;
      p.ub = tile_span;
      Affine base = Affine::cst(h.lb);
      if (x.full > 1) {
        Loop t;
        // The first nest names the tile loop %i.tile; other nests' tile loops are its copies.
        ValueId& tiv = tile_ivs[d];
        t.iv = tiv == kNoValue ? k.new_value(std::string(base_name(k.name_of(h.iv))) + ".tile", Type::index())
                               : k.copy_value(tiv, Type::index());
        if (tiv == kNoValue) tiv = t.iv;
        t.lb = h.lb;
        t.ub = h.lb + x.full * tile_span;
        t.step = tile_span;
        t.loc = h.loc;
        base = Affine::var(t.iv);
        tile_loops.push_back(std::move(t));
      }
      map.ivs[h.iv] = base + Affine::var(p.iv);
    }
    points.push_back(std::move(p));
  }
  Block inner;
  if (first) {
    inner = body;  // original names: substitute in place
    for (auto& [iv, a] : map.ivs)
      if (!(a == Affine::var(iv))) substitute_iv(inner, iv, a);
  } else {
    inner = clone_block(k, body, map);
  }
  std::vector<Loop> order;
  for (Loop& l : tile_loops) order.push_back(std::move(l));
  for (Loop& l : untiled) order.push_back(std::move(l));
  for (Loop& l : points) order.push_back(std::move(l));
  for (size_t i = order.size(); i-- > 0;) {
    order[i].body = std::move(inner);
    inner.clear();
    inner.push_back(Stmt(std::move(order[i])));
  }
  return std::move(inner[0]);
}

Status tile_band(Kernel& k, Loop& root, const TileOptions& o, std::optional<LoopReplacement>& out, bool named) {
  std::vector<Loop*> band = perfect_band(root);
  size_t n = o.sizes.size();
  for (int64_t s : o.sizes)
    if (s < 0) return loop_error(root, fmt::format("tile: sizes must be >= 0, not {}", s));
  if (band.size() < n) {
    if (!named) return {};
    return loop_error(root, fmt::format("tile: sizes={} needs a perfect nest of {} loops but {} has {}",
                                        fmt::join(o.sizes, ","), n, loop_name(k, root), band.size()));
  }
  std::vector<Dim> dims;
  bool any = false;
  for (size_t d = 0; d < n; ++d) {
    Dim x;
    x.header.iv = band[d]->iv;
    x.header.lb = band[d]->lb, x.header.ub = band[d]->ub, x.header.step = band[d]->step;
    x.header.loc = band[d]->loc;
    int64_t trip = band[d]->trip_count();
    // A tile covering the whole loop is one full tile: no tile loop, but its point loop still moves inside.
    x.size = o.sizes[d] == 0 || trip == 0 ? 0 : std::min(o.sizes[d], trip);
    if (x.size) {
      x.full = trip / x.size;
      x.rem = trip % x.size;
      any = true;
    }
    dims.push_back(x);
  }
  if (!any) return {};
  std::vector<Loop*> sub(band.begin(), band.begin() + static_cast<std::ptrdiff_t>(n));
  for (const Dependence& dep : band_dependences(k, sub))
    for (Dir x : dep.dirs)
      if (x == Dir::kGt)
        return loop_error(root, fmt::format("tile: the nest at {} is not fully permutable: dependence {} on %{}",
                                            loop_name(k, root), dir_string(dep.dirs), k.buffer(dep.buffer).name));
  Block body = std::move(band[n - 1]->body);
  // Enumerate full/remainder choices, full first, outer dims varying slowest: the order tiles run in
  // respects every dependence of a fully permutable band.
  std::vector<size_t> tiled;
  for (size_t d = 0; d < n; ++d)
    if (dims[d].size) tiled.push_back(d);
  LoopReplacement r;
  bool first = true;
  std::vector<ValueId> tile_ivs(n, kNoValue);
  for (size_t code = 0; code < (size_t{1} << tiled.size()); ++code) {
    std::vector<bool> use_rem(n, false);
    bool possible = true;
    for (size_t t = 0; t < tiled.size(); ++t) {
      bool rem = (code >> (tiled.size() - 1 - t)) & 1;
      const Dim& x = dims[tiled[t]];
      use_rem[tiled[t]] = rem;
      possible = possible && (rem ? x.rem > 0 : x.full > 0);
    }
    if (!possible) continue;
    r.stmts.push_back(build_nest(k, dims, use_rem, body, first, tile_ivs));
    first = false;
  }
  out = std::move(r);
  return {};
}

}  // namespace

Status tile(Kernel& k, const TileOptions& o) {
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "tile", o.loop, DefaultLoops::kBandHeads);
  if (!targets) return targets.error();
  bool named = !o.loop.empty();
  return rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) {
    return tile_band(k, l, o, out, named);
  });
}

PassInfo tile_pass_info() {
  return {"tile",
          "block a perfect loop nest: tile loops outside, point loops inside, remainders for any trip count",
          {{"sizes", OptionType::kIntList, "", "tile size per band loop, outermost first (0: untiled)"},
           {"loop", OptionType::kName, "", "root of the nest: loops named so (default: every loop that starts a nest)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            TileOptions t;
            t.sizes = o.get_ints("sizes");
            t.loop = o.get_word("loop");
            return tile(k, t);
          }};
}

}  // namespace njc::passes
