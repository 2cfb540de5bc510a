// Dependence analysis: Banerjee bounds per direction vector over constant-bound loops.
#include "passes/dependence.h"

#include <algorithm>
#include <unordered_map>

#include "passes/loop_nest.h"

namespace njc::passes {

using namespace loop;

namespace {

struct Access {
  const Inst* inst;
  int64_t extent;  // elements covered along the last dimension
};

struct Span {
  int64_t lo, hi;
  void add(int64_t a, int64_t b) {
    lo += std::min(a, b);
    hi += std::max(a, b);
  }
};

// min/max of a*t - b*t' for t, t' in [0, n-1] related by dir; false when dir admits no pair.
bool term_span(int64_t a, int64_t b, int64_t n, Dir dir, Span& s) {
  auto f = [&](int64_t t, int64_t u) { return a * t - b * u; };
  std::vector<int64_t> v;
  if (dir == Dir::kEq) {
    v = {f(0, 0), f(n - 1, n - 1)};
  } else {
    if (n < 2) return false;
    v = dir == Dir::kLt ? std::vector<int64_t>{f(0, 1), f(0, n - 1), f(n - 2, n - 1)}
                        : std::vector<int64_t>{f(1, 0), f(n - 1, 0), f(n - 1, n - 2)};
  }
  s.lo += *std::min_element(v.begin(), v.end());
  s.hi += *std::max_element(v.begin(), v.end());
  return true;
}

class Analysis {
 public:
  Analysis(const Kernel& k, const std::vector<Loop*>& band) : k_(k), band_(band), ranges_(iv_ranges(k)) {
    for (size_t p = 0; p < band.size(); ++p) band_pos_[band[p]->iv] = p;
    for_each_loop(band.back()->body, [&](const Loop& l, int) { inner_.push_back(l.iv); });
    for_each_inst(band.back()->body, [&](const Inst& i) {
      if (i.op == Op::Load || i.op == Op::LoadBcast || i.op == Op::Store) {
        Type t = i.op == Op::Store ? k.type_of(i.args[0]) : k.type_of(i.result);
        int64_t ext = i.op == Op::LoadBcast ? 1 : (i.mask_lanes ? i.mask_lanes : t.lanes);
        accesses_.push_back({&i, ext});
      }
    });
  }

  std::vector<Dependence> run() {
    std::vector<Dependence> out;
    size_t n = band_.size();
    std::vector<Dir> d(n, Dir::kEq);
    size_t total = 1;
    for (size_t p = 0; p < n; ++p) total *= 3;
    for (const Access& x : accesses_)
      for (const Access& y : accesses_) {
        if (x.inst->buffer != y.inst->buffer) continue;
        if (x.inst->op != Op::Store && y.inst->op != Op::Store) continue;
        for (size_t code = 0; code < total; ++code) {
          size_t c = code;
          for (size_t p = 0; p < n; ++p, c /= 3) d[p] = static_cast<Dir>(c % 3);
          auto first = std::find_if(d.begin(), d.end(), [](Dir x) { return x != Dir::kEq; });
          if (first == d.end() || *first != Dir::kLt) continue;  // keep lexicographically positive only
          if (!feasible(x, y, d)) continue;
          bool seen = std::any_of(out.begin(), out.end(), [&](const Dependence& e) {
            return e.dirs == d && e.buffer == x.inst->buffer;
          });
          if (!seen) out.push_back({d, x.inst->buffer});
        }
      }
    return out;
  }

 private:
  bool is_inner(ValueId v) const { return std::find(inner_.begin(), inner_.end(), v) != inner_.end(); }

  // Can x in iteration I and y in iteration I' (related by d) touch the same element?
  bool feasible(const Access& x, const Access& y, const std::vector<Dir>& d) const {
    size_t dims = x.inst->index.size();
    for (size_t dim = 0; dim < dims; ++dim) {
      const Affine& ax = x.inst->index[dim];
      const Affine& ay = y.inst->index[dim];
      Span s{ax.constant - ay.constant, ax.constant - ay.constant};
      if (dim + 1 == dims) s.add(0, x.extent - 1), s.add(0, -(y.extent - 1));
      for (size_t p = 0; p < band_.size(); ++p) {
        const Loop& l = *band_[p];
        int64_t cx = ax.coeff_of(l.iv), cy = ay.coeff_of(l.iv);
        s.add((cx - cy) * l.lb, (cx - cy) * l.lb);
        if (!term_span(cx * l.step, cy * l.step, std::max<int64_t>(l.trip_count(), 1), d[p], s)) return false;
      }
      // Deeper loops: independent instances in x and y. Outer loops: the same iteration in both.
      std::vector<ValueId> others;
      for (const AffineTerm& t : ax.terms) others.push_back(t.iv);
      for (const AffineTerm& t : ay.terms) others.push_back(t.iv);
      std::sort(others.begin(), others.end());
      others.erase(std::unique(others.begin(), others.end()), others.end());
      for (ValueId v : others) {
        if (band_pos_.count(v)) continue;
        IvRange r = ranges_[static_cast<size_t>(v)];
        int64_t cx = ax.coeff_of(v), cy = ay.coeff_of(v);
        if (is_inner(v)) {
          s.add(cx * r.lo, cx * r.hi);
          s.add(-cy * r.lo, -cy * r.hi);
        } else {
          s.add((cx - cy) * r.lo, (cx - cy) * r.hi);
        }
      }
      if (s.lo > 0 || s.hi < 0) return false;
    }
    return true;
  }

  const Kernel& k_;
  const std::vector<Loop*>& band_;
  std::vector<IvRange> ranges_;
  std::unordered_map<ValueId, size_t> band_pos_;
  std::vector<ValueId> inner_;
  std::vector<Access> accesses_;
};

}  // namespace

std::vector<Dependence> band_dependences(const Kernel& k, const std::vector<Loop*>& band) {
  if (band.empty()) return {};
  return Analysis(k, band).run();
}

bool permutation_is_legal(const std::vector<Dependence>& deps, const std::vector<size_t>& perm,
                          const Dependence** violated) {
  for (const Dependence& d : deps) {
    for (size_t p = 0; p < perm.size(); ++p) {
      Dir x = d.dirs[perm[p]];
      if (x == Dir::kLt) break;
      if (x == Dir::kGt) {
        if (violated) *violated = &d;
        return false;
      }
    }
  }
  return true;
}

std::string dir_string(const std::vector<Dir>& dirs) {
  std::string s = "(";
  for (size_t i = 0; i < dirs.size(); ++i)
    s += std::string(i ? ", " : "") + (dirs[i] == Dir::kLt ? "<" : dirs[i] == Dir::kEq ? "=" : ">");
  return s + ")";
}

}  // namespace njc::passes
