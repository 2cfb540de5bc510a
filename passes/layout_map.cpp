// layout_map: mixed-radix views, relocating accesses, the access order (see layout_map.h).
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

// S_i of the view: elements between neighbours along digit i.
std::vector<int64_t> view_strides(const Layout& l) {
  std::vector<int64_t> s(l.dims.size());
  int64_t at = 1;
  for (size_t i = s.size(); i-- > 0;) s[i] = at, at *= l.dims[i];
  return s;
}

// S'_i: the stride digit i gets in the new layout.
std::vector<int64_t> new_strides(const Layout& l) {
  std::vector<int64_t> s(l.dims.size());
  int64_t at = 1;
  for (size_t p = l.order.size(); p-- > 0;) s[l.order[p]] = at, at *= l.dims[l.order[p]];
  return s;
}

// The digit whose stride is the largest one dividing g (g != 0; the last stride is 1, so there is one).
size_t digit_of(int64_t g, const std::vector<int64_t>& strides) {
  size_t i = 0;
  while (std::abs(g) % strides[i] != 0) ++i;
  return i;
}

// An access's constant with every variable at its first value: f at t = 0 for all t.
int64_t first_offset(const FlatAccess& a, const std::vector<IvSpan>& ivs) {
  int64_t c = a.offset.constant;
  for (const AffineTerm& t : a.offset.terms) c += t.coeff * ivs[static_cast<size_t>(t.iv)].lb;
  return c;
}

}  // namespace

bool Layout::is_identity() const {  // digits of size 1 do not move anything
  size_t last = 0;
  for (size_t i : order) {
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
    size_t first;  // its first view digit
    int64_t size;
  };
  std::vector<Run> runs;  // in new-layout order
  for (size_t p = 0; p < order.size(); ++p) {
    if (p > 0 && order[p] == order[p - 1] + 1)
      runs.back().size *= dims[order[p]];
    else
      runs.push_back({order[p], dims[order[p]]});
  }
  std::vector<size_t> by_digit(runs.size());  // runs in view order
  std::iota(by_digit.begin(), by_digit.end(), size_t{0});
  std::sort(by_digit.begin(), by_digit.end(),
            [&](size_t x, size_t y) { return runs[x].first < runs[y].first; });
  Layout out;
  out.order.resize(runs.size());
  for (size_t v = 0; v < by_digit.size(); ++v) {
    out.dims.push_back(runs[by_digit[v]].size);
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
  std::vector<int64_t> s = view_strides(layout), ns = new_strides(layout);
  size_t n = layout.dims.size();
  int64_t c0 = first_offset(a, ivs);
  if (c0 < 0) return failure(fmt::format("its first element {} is out of bounds", c0));
  // Digit sums: the constant's digits, then each variable's term added to one digit as a range.
  std::vector<int64_t> lo(n), hi(n);
  Affine out;
  for (size_t i = 0; i < n; ++i) {
    lo[i] = hi[i] = i == 0 ? c0 / s[0] : c0 / s[i] % layout.dims[i];
    out.constant += lo[i] * ns[i];
  }
  auto add_range = [&](size_t i, int64_t per_step, int64_t trip) {
    int64_t end = per_step * (trip - 1);
    lo[i] += std::min<int64_t>(0, end);
    hi[i] += std::max<int64_t>(0, end);
  };
  for (const AffineTerm& t : a.offset.terms) {
    const IvSpan& v = ivs[static_cast<size_t>(t.iv)];
    if (v.trip <= 1) continue;  // the variable is constant: already in c0
    size_t i = digit_of(t.coeff * v.step, s);
    add_range(i, t.coeff * v.step / s[i], v.trip);
    if (t.coeff * ns[i] % s[i] != 0)
      return failure(fmt::format("a variable's coefficient {} would become {}/{}, not an integer", t.coeff,
                                 t.coeff * ns[i], s[i]));
    int64_t coeff = t.coeff * ns[i] / s[i];
    out = out.plus(Affine::var(t.iv, coeff));
    out.constant -= coeff * v.lb;
  }
  if (a.lanes > 1) {
    size_t i = digit_of(1, s);
    add_range(i, 1, a.lanes);
    if (ns[i] != 1)
      return failure(fmt::format("its {} lanes would not stay contiguous: their digit {} is not placed last",
                                 a.lanes, i));
  }
  for (size_t i = 0; i < n; ++i)
    if (lo[i] < 0 || hi[i] >= layout.dims[i])
      return failure(fmt::format("digit {} of its offset ranges over [{}, {}], outside [0, {})", i, lo[i],
                                 hi[i], layout.dims[i]));
  return out;
}

std::vector<float> permute(const std::vector<float>& data, const Layout& layout) {
  std::vector<int64_t> ns = new_strides(layout);
  if (data.empty() || layout.dims.empty()) return data;
  std::vector<float> out(data.size());
  // Runs of the last view digit are contiguous on both sides when it stays last: copy them whole.
  size_t last = layout.dims.size() - 1;
  int64_t run = ns[last] == 1 ? layout.dims[last] : 1;
  std::vector<int64_t> digit(layout.dims.size(), 0);  // digits of f, counted up like an odometer
  int64_t to = 0;
  for (size_t f = 0; f < data.size(); f += static_cast<size_t>(run)) {
    std::copy_n(data.begin() + static_cast<long>(f), run, out.begin() + to);
    for (size_t i = run > 1 ? last : digit.size(); i-- > 0;) {
      to += ns[i];
      if (++digit[i] < layout.dims[i]) break;
      to -= ns[i] * digit[i];
      digit[i] = 0;
    }
  }
  return out;
}

Expected<Layout> access_order(const std::vector<FlatAccess>& accesses, int64_t size,
                              const std::vector<IvSpan>& ivs) {
  NJC_ASSERT(!accesses.empty() && size > 0, "access_order needs accesses of a non-empty buffer");
  // The strides the accesses step by, largest first: the buffer, each variable, the constants' spacing, 1.
  std::vector<int64_t> strides = {size, 1};
  int64_t spacing = 0;
  for (const FlatAccess& a : accesses) {
    for (const AffineTerm& t : a.offset.terms)
      if (const IvSpan& v = ivs[static_cast<size_t>(t.iv)]; v.trip > 1)
        strides.push_back(std::abs(t.coeff * v.step));
    spacing = std::gcd(spacing, first_offset(a, ivs) - first_offset(accesses[0], ivs));
  }
  auto nest = [&](std::vector<int64_t> st) -> Expected<Layout> {
    std::sort(st.begin(), st.end(), std::greater<>());
    st.erase(std::unique(st.begin(), st.end()), st.end());
    if (st[0] != size)
      return failure(fmt::format("a loop steps by {} elements, more than the {} there are", st[0], size));
    Layout l;
    for (size_t i = 0; i + 1 < st.size(); ++i) {
      if (st[i] % st[i + 1] != 0)
        return failure(
            fmt::format("the loops step by {} and {} elements, which do not nest", st[i], st[i + 1]));
      l.dims.push_back(st[i] / st[i + 1]);
    }
    return l;
  };
  std::vector<int64_t> with_spacing = strides;
  if (spacing != 0) with_spacing.push_back(std::abs(spacing));
  Expected<Layout> view = nest(with_spacing);
  if (!view) view = nest(strides);  // constants that do not fit the loops' strides: leave them in place
  if (!view) return view.error();
  Layout& l = *view;
  // Each digit goes where its outermost loop is; digits of constants only go inside every loop, the
  // lanes' digit (stride 1) last. Stable: equal ranks keep the view's order.
  constexpr int kConstants = std::numeric_limits<int>::max() - 1, kLanes = std::numeric_limits<int>::max();
  std::vector<int64_t> s = view_strides(l);
  std::vector<int> rank(l.dims.size(), kConstants);
  if (!l.dims.empty()) rank.back() = kLanes;
  for (const FlatAccess& a : accesses)
    for (const AffineTerm& t : a.offset.terms)
      if (const IvSpan& v = ivs[static_cast<size_t>(t.iv)]; v.trip > 1) {
        size_t i = digit_of(t.coeff * v.step, s);
        rank[i] = std::min(rank[i], v.depth);
      }
  l.order.resize(l.dims.size());
  std::iota(l.order.begin(), l.order.end(), size_t{0});
  std::stable_sort(l.order.begin(), l.order.end(), [&](size_t x, size_t y) { return rank[x] < rank[y]; });
  return l.coalesced();
}

}  // namespace njc::passes
