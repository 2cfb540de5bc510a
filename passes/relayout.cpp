// relayout: a constant buffer's elements permuted into a new layout, its accesses moved with them
// (docs/passes.md, "relayout").
#include "passes/relayout.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "ir/loop_printer.h"
#include "passes/layout_map.h"
#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

Diag error_at(const Loc& loc, std::string message) {
  return Diag{"", loc.line, loc.col, "", std::move(message)};
}

struct Access {
  Inst* inst;
  FlatAccess flat;
};

// Every read of each buffer, indexed by BufferId: one walk over the kernel for all of them. Relayout only
// rewrites indexes, so the pointers stay valid while it runs.
std::vector<std::vector<Access>> reads_by_buffer(Kernel& k) {
  std::vector<std::vector<Access>> out(k.buffers.size());
  for_each_inst(k.body, [&](Inst& in) {
    if (in.buffer < 0 || !(op_info(in.op).flags & kReads)) return;
    const Buffer& buf = k.buffer(in.buffer);
    Affine flat;
    for (size_t d = 0; d < in.index.size(); ++d) flat = flat.plus(in.index[d], buf.stride(d));
    int64_t lanes = in.op == Op::LoadBcast ? 1
                    : in.mask_lanes > 0    ? in.mask_lanes
                                           : k.type_of(in.result).lanes;
    out[static_cast<size_t>(in.buffer)].push_back({&in, {std::move(flat), lanes}});
  });
  return out;
}

// The layout the options ask for, checked against the buffer.
Expected<Layout> requested_layout(const Buffer& buf, const std::vector<Access>& acc,
                                  const std::vector<IvSpan>& spans, const RelayoutOptions& o) {
  if (o.order.empty()) {
    std::vector<FlatAccess> flat;
    for (const Access& a : acc) flat.push_back(a.flat);
    Expected<Layout> l = access_order(flat, buf.size(), spans);
    if (!l)
      return error_at(buf.loc,
                      fmt::format("relayout: no access order for %{}: {}", buf.name, l.error().message));
    return l;
  }
  Layout l;
  l.dims = o.dims.empty() ? buf.shape : o.dims;
  int64_t elements = 1;
  for (int64_t d : l.dims) elements = d > 0 ? elements * d : -1;
  if (elements != buf.size())
    return error_at(buf.loc, fmt::format("relayout: dims={} do not hold the {} elements of %{}",
                                         fmt::join(l.dims, ","), buf.size(), buf.name));
  std::vector<int64_t> sorted = o.order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(l.dims.size());
  std::iota(iota.begin(), iota.end(), int64_t{0});
  if (sorted != iota)
    return error_at(buf.loc,
                    fmt::format("relayout: order={} is not a permutation of the {} digits 0..{} of %{}",
                                fmt::join(o.order, ","), l.dims.size(), l.dims.size() - 1, buf.name));
  for (int64_t p : o.order) l.order.push_back(static_cast<size_t>(p));
  return l;
}

// Moves buffer b, read by acc, into the layout; a Diag (and nothing changed) when an access does not map.
Status relayout_buffer(Kernel& k, BufferId b, const std::vector<Access>& acc, const std::vector<IvSpan>& spans,
                       const RelayoutOptions& o) {
  if (acc.empty()) return {};
  Buffer& buf = k.buffers[static_cast<size_t>(b)];
  Expected<Layout> layout = requested_layout(buf, acc, spans, o);
  if (!layout) return layout.error();
  if (layout->is_identity()) return {};
  *layout = layout->coalesced();  // relocate digits that stay together as one: more accesses split
  std::vector<Affine> moved;
  for (const Access& a : acc) {
    Expected<Affine> to = relocate(a.flat, *layout, spans);
    if (!to)
      return error_at(a.inst->loc, fmt::format("relayout: %{}[{}] does not move to the layout [{}]: {}",
                                               buf.name, print_affine(k, a.flat.offset),
                                               fmt::join(layout->new_dims(), ", "), to.error().message));
    moved.push_back(std::move(*to));
  }
  for (size_t i = 0; i < acc.size(); ++i) acc[i].inst->index = {std::move(moved[i])};
  if (static_cast<int64_t>(buf.data.size()) == buf.size()) buf.data = permute(buf.data, *layout);
  buf.shape = {layout->size()};  // padding included
  return {};
}

}  // namespace

Status relayout(Kernel& k, const RelayoutOptions& o) {
  if (o.buffer.empty()) {
    if (!o.dims.empty() || !o.order.empty())
      return error_at(k.loc, "relayout: dims and order need buffer=NAME");
    std::vector<std::vector<Access>> reads = reads_by_buffer(k);
    std::vector<IvSpan> spans = iv_spans(k);
    for (size_t b = 0; b < k.buffers.size(); ++b)
      if (k.buffers[b].kind == BufferKind::kParam)
        (void)relayout_buffer(k, static_cast<BufferId>(b), reads[b], spans, o);
    return {};
  }
  std::optional<BufferId> b = k.find_buffer(o.buffer);
  if (!b) return error_at(k.loc, fmt::format("relayout: no buffer named %{} in @{}", o.buffer, k.name));
  const Buffer& buf = k.buffer(*b);
  if (buf.kind != BufferKind::kParam)
    return error_at(
        buf.loc,
        fmt::format("relayout: %{} is a buffer of kind {}; only params (constant weights) can be re-laid out",
                    buf.name, buffer_kind_name(buf.kind)));
  if (!o.dims.empty() && o.order.empty())
    return error_at(buf.loc, fmt::format("relayout: dims={} need an explicit order", fmt::join(o.dims, ",")));
  return relayout_buffer(k, *b, reads_by_buffer(k)[static_cast<size_t>(*b)], iv_spans(k), o);
}

PassInfo relayout_pass_info() {
  return {
      "relayout",
      "permute a constant buffer's elements into the order its loops read them (or a given view and order)",
      {{"buffer", OptionType::kName, "", "the param to re-lay out (default: every param, in access order)"},
       {"dims", OptionType::kIntList, "",
        "its elements viewed row-major as these digits (default: its shape)"},
       {"order", OptionType::kIntList, "auto", "new dimension p holds digit order[p]", {"auto"}}},
      [](Kernel& k, const PassOptions& o, const TargetDesc&) {
        RelayoutOptions r;
        r.buffer = o.get_word("buffer");
        r.dims = o.get_ints("dims");
        r.order = o.get_ints("order");
        return relayout(k, r);
      }};
}

}  // namespace njc::passes
