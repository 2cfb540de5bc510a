// interchange: loop permutation of perfect bands, checked against the dependences of the band.
#include "passes/interchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "passes/dependence.h"
#include "passes/loop_nest.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

// How much loop l wants to be innermost: +2 per access it walks with unit stride along the last
// dimension, +1 per access it leaves invariant (a register candidate), -2 per strided access.
int innermost_score(const Loop& band_body_root, ValueId iv) {
  int score = 0;
  for_each_inst(band_body_root.body, [&](const Inst& i) {
    if (i.index.empty()) return;
    int dims_using = 0;
    bool unit_last = false;
    for (size_t d = 0; d < i.index.size(); ++d) {
      int64_t c = i.index[d].coeff_of(iv);
      if (c == 0) continue;
      ++dims_using;
      unit_last = d + 1 == i.index.size() && (c == 1 || c == -1);
    }
    score += dims_using == 0 ? 1 : (dims_using == 1 && unit_last) ? 2 : -2;
  });
  return score;
}

std::vector<size_t> auto_order(const std::vector<Loop*>& band) {
  std::vector<int> score;
  for (Loop* l : band) score.push_back(innermost_score(*band.back(), l->iv));
  std::vector<size_t> perm(band.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  return perm;
}

// Moves the loop headers (iv and bounds) of band into the order perm; the body stays where it is.
void permute(std::vector<Loop*>& band, const std::vector<size_t>& perm) {
  struct Header {
    ValueId iv;
    int64_t lb, ub, step;
    Loc loc;
  };
  std::vector<Header> h;
  for (Loop* l : band) h.push_back({l->iv, l->lb, l->ub, l->step, l->loc});
  for (size_t p = 0; p < perm.size(); ++p) {
    const Header& x = h[perm[p]];
    band[p]->iv = x.iv;
    band[p]->lb = x.lb;
    band[p]->ub = x.ub;
    band[p]->step = x.step;
    band[p]->loc = x.loc;
  }
}

Status interchange_band(Kernel& k, Loop& root, const InterchangeOptions& o) {
  std::vector<Loop*> band = perfect_band(root);
  bool automatic = o.order.empty();
  std::vector<size_t> perm;
  if (automatic) {
    if (band.size() < 2) return {};
    perm = auto_order(band);
  } else {
    std::vector<int64_t> sorted = o.order;
    std::sort(sorted.begin(), sorted.end());
    for (size_t p = 0; p < sorted.size(); ++p)
      if (sorted[p] != static_cast<int64_t>(p))
        return loop_error(root, fmt::format("interchange: order={} is not a permutation of 0..{}",
                                            fmt::join(o.order, ","), o.order.size() - 1));
    if (band.size() < o.order.size() && o.loop.empty()) return {};  // unnamed: nests too shallow are skipped
    if (band.size() < o.order.size())
      return loop_error(root, fmt::format("interchange: order={} needs a perfect nest of {} loops but {} has {}",
                                          fmt::join(o.order, ","), o.order.size(), loop_name(k, root),
                                          band.size()));
    for (int64_t x : o.order) perm.push_back(static_cast<size_t>(x));
  }
  bool identity = true;
  for (size_t p = 0; p < perm.size(); ++p) identity = identity && perm[p] == p;
  if (identity) return {};
  std::vector<Loop*> sub(band.begin(), band.begin() + static_cast<std::ptrdiff_t>(perm.size()));
  std::vector<Dependence> deps = band_dependences(k, band);
  const Dependence* bad = nullptr;
  if (!permutation_is_legal(deps, perm, &bad)) {
    if (automatic) return {};
    std::string from, to;
    for (size_t p = 0; p < perm.size(); ++p) {
      from += (p ? ", " : "") + loop_name(k, *band[p]);
      to += (p ? ", " : "") + loop_name(k, *band[perm[p]]);
    }
    return loop_error(root, fmt::format("interchange: cannot reorder ({}) to ({}): it would reverse the "
                                        "dependence {} on %{}",
                                        from, to, dir_string(bad->dirs), k.buffer(bad->buffer).name));
  }
  permute(sub, perm);
  return {};
}

}  // namespace

Status interchange(Kernel& k, const InterchangeOptions& o) {
  Expected<std::unordered_set<ValueId>> targets = select_loops(k, "interchange", o.loop, DefaultLoops::kBandHeads);
  if (!targets) return targets.error();
  // Bands are permuted in place: no statement is added or removed, so a plain walk is enough. The loops
  // of a permuted band are not visited again (a named one may have moved deeper); its body is.
  Status st;
  std::function<void(Block&)> walk = [&](Block& b) {
    for (Stmt& s : b) {
      if (!st || !s.is_loop()) continue;
      if (!targets->count(s.loop().iv)) {
        walk(s.loop().body);
        continue;
      }
      st = interchange_band(k, s.loop(), o);
      // The band's own loops may have moved (and a named target with them): continue below the band.
      std::vector<Loop*> band = perfect_band(s.loop());
      walk(band.empty() ? s.loop().body : band.back()->body);
    }
  };
  walk(k.body);
  return st;
}

PassInfo interchange_pass_info() {
  return {"interchange",
          "permute a perfect loop nest (auto: unit-stride loop innermost); refuses when a dependence forbids it",
          {{"order", OptionType::kIntList, "auto", "new position p gets old loop order[p]", {"auto"}},
           {"loop", OptionType::kName, "", "root of the nest: loops named so (default: every loop that starts a nest)"}},
          [](Kernel& k, const PassOptions& o, const TargetDesc&) {
            InterchangeOptions io;
            io.order = o.get_ints("order");
            io.loop = o.get_word("loop");
            return interchange(k, io);
          }};
}

}  // namespace njc::passes
