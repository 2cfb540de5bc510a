// layout_map: padded mixed-radix views, relocating accesses, the access order (see layout_map.h).
#include "passes/layout_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "ir/assert.h"

namespace njc::passes {

using namespace loop;

namespace {

Diag failure(std::string message) {
  return Diag{"", 0, 0, "", std::move(message)};
}

// An affine expression over loop counters t (v = lb + step * t, t in [0, trip)) and the lanes.
constexpr ValueId kLanes = -2;
struct Counted {
  int64_t constant = 0;
  std::vector<std::pair<ValueId, int64_t>> terms;  // (counter, coefficient), each counter once
};

// Trip counts of the counters of one access.
struct Trips {
  const std::vector<IvSpan>& ivs;
  int64_t lanes;
  int64_t operator()(ValueId c) const { return c == kLanes ? lanes : ivs[static_cast<size_t>(c)].trip; }
};

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> s(sizes.size());
  int64_t at = 1;
  for (size_t i = s.size(); i-- > 0;) s[i] = at, at *= sizes[i];
  return s;
}

// The place whose stride is the largest one dividing g (g != 0; the last stride is 1).
size_t place_of(int64_t g, const std::vector<int64_t>& strides) {
  size_t i = 0;
  while (std::abs(g) % strides[i] != 0) ++i;
  return i;
}

// S'_i: the stride digit i gets in the new layout.
std::vector<int64_t> new_strides(const Layout& l) {
  std::vector<int64_t> s(l.dims.size());
  int64_t at = 1;
  for (size_t p = l.order.size(); p-- > 0;) s[l.order[p]] = at, at *= l.dims[l.order[p]];
  return s;
}

// The digits of each dimension of the shape: [first, end) of l.dims.
std::vector<std::pair<size_t, size_t>> digit_ranges(const Layout& l) {
  std::vector<std::pair<size_t, size_t>> r(l.shape_dims().size(), {0, 0});
  std::vector<bool> seen(r.size(), false);
  for (size_t d = 0; d < l.dims.size(); ++d) {
    size_t dim = l.dim_of_digit(d);
    if (!seen[dim]) r[dim].first = d, seen[dim] = true;
    r[dim].second = d + 1;
  }
  NJC_ASSERT(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }), "a dimension without digits");
  return r;
}

std::vector<int64_t> sizes_of(const Layout& l, std::pair<size_t, size_t> digits) {
  return {l.dims.begin() + static_cast<long>(digits.first),
          l.dims.begin() + static_cast<long>(digits.second)};
}

// An access's offset with every variable at its first value: f at t = 0 for all t.
int64_t first_offset(const FlatAccess& a, const std::vector<IvSpan>& ivs) {
  int64_t c = a.offset.constant;
  for (const AffineTerm& t : a.offset.terms) c += t.coeff * ivs[static_cast<size_t>(t.iv)].lb;
  return c;
}

Counted counted(const FlatAccess& a, const std::vector<IvSpan>& ivs) {
  Counted x;
  x.constant = first_offset(a, ivs);
  for (const AffineTerm& t : a.offset.terms)
    if (const IvSpan& v = ivs[static_cast<size_t>(t.iv)]; v.trip > 1)
      x.terms.emplace_back(t.iv, t.coeff * v.step);
  if (a.lanes > 1) x.terms.emplace_back(kLanes, 1);
  return x;
}

// x split row-major into places of these sizes: each place's part, or why not (a part's bounds leave its
// place). Places are named `what` first, first + 1, ... in messages.
Expected<std::vector<Counted>> split(const Counted& x, const std::vector<int64_t>& sizes, const Trips& trip,
                                     const char* what, size_t first) {
  std::vector<int64_t> s = row_major_strides(sizes);
  if (x.constant < 0) return failure(fmt::format("its first element {} is out of bounds", x.constant));
  std::vector<Counted> parts(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i)
    parts[i].constant = i == 0 ? x.constant / s[0] : x.constant / s[i] % sizes[i];
  for (const auto& [c, g] : x.terms) {
    size_t i = place_of(g, s);
    parts[i].terms.emplace_back(c, g / s[i]);
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t lo = parts[i].constant, hi = lo;
    for (const auto& [c, q] : parts[i].terms) {
      lo += std::min<int64_t>(0, q * (trip(c) - 1));
      hi += std::max<int64_t>(0, q * (trip(c) - 1));
    }
    if (lo < 0 || hi >= sizes[i])
      return failure(fmt::format("{} {} of its offset ranges over [{}, {}], outside [0, {})", what, first + i,
                                 lo, hi, sizes[i]));
  }
  return parts;
}

// The digit a term stepping by g elements lands in (as split() places it).
size_t digit_of(const Layout& l, int64_t g) {
  std::vector<int64_t> shape = l.shape_dims(), s = row_major_strides(shape);
  size_t r = place_of(g, s);
  std::pair<size_t, size_t> digits = digit_ranges(l)[r];
  return digits.first + place_of(g / s[r], row_major_strides(sizes_of(l, digits)));
}

}  // namespace

std::vector<int64_t> Layout::shape_dims() const {
  if (!shape.empty()) return shape;
  return {std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>())};
}

size_t Layout::dim_of_digit(size_t digit) const {
  return dim_of.empty() ? 0 : dim_of[digit];
}

int64_t Layout::size() const {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

bool Layout::is_identity() const {
  std::vector<int64_t> s = shape_dims();
  if (size() != std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>())) return false;  // padded
  size_t last = 0;
  for (size_t i : order) {  // digits of size 1 do not move anything
    if (dims[i] == 1) continue;
    if (i < last) return false;
    last = i;
  }
  return true;
}

std::vector<int64_t> Layout::new_dims() const {
  std::vector<int64_t> d;
  for (size_t i : order) d.push_back(dims[i]);
  return d;
}

Layout Layout::coalesced() const {
  struct Run {
    size_t first;  // its first digit
    int64_t size;
  };
  std::vector<Run> runs;  // in new-layout order
  for (size_t p = 0; p < order.size(); ++p) {
    if (p > 0 && order[p] == order[p - 1] + 1 && dim_of_digit(order[p]) == dim_of_digit(order[p - 1]))
      runs.back().size *= dims[order[p]];
    else
      runs.push_back({order[p], dims[order[p]]});
  }
  std::vector<size_t> by_digit(runs.size());  // runs in digit order
  std::iota(by_digit.begin(), by_digit.end(), size_t{0});
  std::sort(by_digit.begin(), by_digit.end(),
            [&](size_t x, size_t y) { return runs[x].first < runs[y].first; });
  Layout out;
  out.shape = shape;
  out.order.resize(runs.size());
  for (size_t v = 0; v < by_digit.size(); ++v) {
    const Run& run = runs[by_digit[v]];
    out.dims.push_back(run.size);
    if (!dim_of.empty()) out.dim_of.push_back(dim_of[run.first]);
    out.order[by_digit[v]] = v;
  }
  return out;
}

std::vector<IvSpan> iv_spans(const Kernel& k) {
  std::vector<IvSpan> spans(k.values.size());
  for_each_loop(k.body, [&](const Loop& l, int depth) {
    spans[static_cast<size_t>(l.iv)] = {l.lb, l.step, l.trip_count(), depth};
  });
  return spans;
}

Expected<Affine> relocate(const FlatAccess& a, const Layout& layout, const std::vector<IvSpan>& ivs) {
  Trips trip{ivs, a.lanes};
  // Into the shape's indexes, then each index into its digits; f' = sum of digits times new strides.
  Expected<std::vector<Counted>> indexes = split(counted(a, ivs), layout.shape_dims(), trip, "index", 0);
  if (!indexes) return indexes.error();
  std::vector<int64_t> ns = new_strides(layout);
  std::vector<std::pair<size_t, size_t>> ranges = digit_ranges(layout);
  Counted moved;
  for (size_t r = 0; r < indexes->size(); ++r) {
    Expected<std::vector<Counted>> digits =
        split((*indexes)[r], sizes_of(layout, ranges[r]), trip, "digit", ranges[r].first);
    if (!digits) return digits.error();
    for (size_t i = 0; i < digits->size(); ++i) {
      size_t d = ranges[r].first + i;
      moved.constant += (*digits)[i].constant * ns[d];
      for (const auto& [c, q] : (*digits)[i].terms) {
        if (c == kLanes && ns[d] != 1)
          return failure(fmt::format(
              "its {} lanes would not stay contiguous: their digit {} is not placed last", a.lanes, d));
        moved.terms.emplace_back(c, q * ns[d]);
      }
    }
  }
  // Back from counters to variables: t = (v - lb) / step.
  Affine out = Affine::cst(moved.constant);
  for (const auto& [c, g] : moved.terms) {
    if (c == kLanes) continue;
    const IvSpan& v = ivs[static_cast<size_t>(c)];
    if (g % v.step != 0)
      return failure(fmt::format("a variable's coefficient would become {}/{}, not an integer", g, v.step));
    out = out.plus(Affine::var(c, g / v.step));
    out.constant -= g / v.step * v.lb;
  }
  return out;
}

std::vector<float> permute(const std::vector<float>& data, const Layout& layout) {
  if (data.empty() || layout.dims.empty()) return data;
  std::vector<float> out(static_cast<size_t>(layout.size()), 0.0f);
  std::vector<int64_t> shape = layout.shape_dims(), ss = row_major_strides(shape), ns = new_strides(layout);
  std::vector<std::pair<size_t, size_t>> ranges = digit_ranges(layout);
  // Runs of the last digit are contiguous on both sides when it stays last and divides its row.
  size_t last = layout.dims.size() - 1;
  int64_t run = ns[last] == 1 && shape.back() % layout.dims[last] == 0 ? layout.dims[last] : 1;
  for (int64_t f = 0; f < static_cast<int64_t>(data.size()); f += run) {
    int64_t to = 0;
    for (size_t r = 0; r < shape.size(); ++r) {
      int64_t index = r == 0 ? f / ss[0] : f / ss[r] % shape[r];
      for (size_t d = ranges[r].second; d-- > ranges[r].first;) {
        to += (d == ranges[r].first ? index : index % layout.dims[d]) * ns[d];
        index /= layout.dims[d];
      }
    }
    std::copy_n(data.begin() + f, run, out.begin() + to);
  }
  return out;
}

Expected<Layout> access_order(const std::vector<FlatAccess>& accesses, int64_t size,
                              const std::vector<IvSpan>& ivs) {
  NJC_ASSERT(!accesses.empty() && size > 0, "access_order needs accesses of a non-empty buffer");
  // The strides the accesses step by, largest first: the buffer, each variable, the constants' spacing, 1.
  // The spacing is that of copies of one access (unrolled gates or iterations): the same variable
  // terms at other constants. Copies of different loops (a remainder after a loop) do not count.
  std::vector<int64_t> strides = {size, 1};
  int64_t spacing = 0;
  std::vector<std::vector<AffineTerm>> patterns;  // per access: its terms of varying variables
  std::vector<std::pair<const std::vector<AffineTerm>*, int64_t>> first_of_pattern;
  size_t most_terms = 0;  // the accesses with the most varying terms are those of the main nest
  patterns.reserve(accesses.size());
  for (const FlatAccess& a : accesses) {
    std::vector<AffineTerm>& pattern = patterns.emplace_back();
    for (const AffineTerm& t : a.offset.terms)
      if (const IvSpan& v = ivs[static_cast<size_t>(t.iv)]; v.trip > 1) {
        strides.push_back(std::abs(t.coeff * v.step));
        pattern.push_back(t);
      }
    most_terms = std::max(most_terms, pattern.size());
    auto same = std::find_if(first_of_pattern.begin(), first_of_pattern.end(),
                             [&](const auto& p) { return *p.first == pattern; });
    if (same == first_of_pattern.end())
      first_of_pattern.emplace_back(&pattern, first_offset(a, ivs));
    else
      spacing = std::gcd(spacing, first_offset(a, ivs) - same->second);
  }
  // One digit per pair of neighbouring strides; where the smaller does not divide the larger, the digit
  // is padded and the larger stride is the length of a row of the shape.
  auto digits = [&](std::vector<int64_t> st) -> Expected<Layout> {
    std::sort(st.begin(), st.end(), std::greater<>());
    st.erase(std::unique(st.begin(), st.end()), st.end());
    if (st[0] != size)
      return failure(fmt::format("a loop steps by {} elements, more than the {} there are", st[0], size));
    std::vector<int64_t> rows = {size};
    for (size_t i = 1; i + 1 < st.size(); ++i)
      if (st[i] % st[i + 1] != 0) rows.push_back(st[i]);
    rows.push_back(1);
    Layout l;
    for (size_t r = 0; r + 1 < rows.size(); ++r) {
      if (rows[r] % rows[r + 1] != 0)
        return failure(fmt::format("rows of {} and {} elements do not nest", rows[r], rows[r + 1]));
      l.shape.push_back(rows[r] / rows[r + 1]);
    }
    for (size_t i = 0; i + 1 < st.size(); ++i) {
      l.dims.push_back((st[i] + st[i + 1] - 1) / st[i + 1]);
      size_t r = 0;
      while (st[i + 1] < rows[r + 1]) ++r;
      l.dim_of.push_back(r);
    }
    if (l.size() * 4 > size * 5)  // a padded row pays off only when the rows are long: at most 25 %
      return failure(fmt::format("padding would take {} elements for {}", l.size(), size));
    return l;
  };
  std::vector<int64_t> with_spacing = strides;
  if (spacing != 0) with_spacing.push_back(std::abs(spacing));
  Expected<Layout> view = digits(with_spacing);
  if (!view) view = digits(strides);  // constants that do not fit the loops' strides: leave them in place
  if (!view) return view.error();
  Layout& l = *view;
  if (l.dims.empty()) return l;  // one element
  // Each digit goes where the outermost loop of the main nest that walks it is (remainder nests sit at
  // other depths); digits of constants only go inside every loop, the lanes' digit (stride 1) last.
  // Stable: equal ranks keep the digits' order.
  constexpr int kConstantsRank = std::numeric_limits<int>::max() - 1;
  constexpr int kLanesRank = std::numeric_limits<int>::max();
  std::vector<int> rank(l.dims.size(), kConstantsRank);
  rank[digit_of(l, 1)] = kLanesRank;
  for (const std::vector<AffineTerm>& pattern : patterns) {
    if (pattern.size() < most_terms) continue;
    for (const AffineTerm& t : pattern) {
      const IvSpan& v = ivs[static_cast<size_t>(t.iv)];
      size_t i = digit_of(l, t.coeff * v.step);
      rank[i] = std::min(rank[i], v.depth);
    }
  }
  l.order.resize(l.dims.size());
  std::iota(l.order.begin(), l.order.end(), size_t{0});
  std::stable_sort(l.order.begin(), l.order.end(), [&](size_t x, size_t y) { return rank[x] < rank[y]; });
  return l.coalesced();
}

}  // namespace njc::passes
