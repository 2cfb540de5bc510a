// ONNX Conv over 2 or 3 spatial dimensions and the pools (MaxPool, AveragePool, GlobalMaxPool,
// GlobalAveragePool) as compositions of njc ops. The padded input (a Concat with constant blocks) is read
// once per kernel offset by a strided Slice, giving one [N, C, out...] view per offset; a Conv concatenates
// them (im2col) and multiplies by the constant weights, reordered at import to match; a pool combines them
// with Max or Add. njc's own Conv stays the 1-D [N, C, L] one.
#include <cmath>
#include <limits>
#include <numeric>

#include "frontend/onnx_converter.h"

namespace njc::onnx {

namespace {
using Dims = std::vector<int64_t>;

constexpr int64_t kMaxPoolWindow = 8192;  // a 60x80 window is in the node tests

struct Window {
  size_t spatial;  // number of spatial dimensions
  Dims in, kernel, stride, dilation, pad_begin, pad_end, out;
  // Kernel positions, saturated at 2^28 (each size is at most 2^28: no overflow).
  int64_t offsets() const {
    int64_t count = 1;
    for (int64_t k : kernel) count = std::min(count * k, kMaxTensorElements);
    return count;
  }
};

Dims ints_or(Converter& c, const Node& n, const char* name, size_t count, int64_t dflt) {
  const Dims* v = c.ints_attr(n, name);
  return v ? *v : Dims(count, dflt);
}

// The window geometry of a Conv or pool: kernel from W or kernel_shape, pads from pads or auto_pad, output
// sizes rounded down (or up with ceil_mode, the last window starting inside the input or its begin pad).
Expected<Window> window(Converter& c, const Node& n, const Dims& x, const Dims& kernel) {
  Window w;
  w.spatial = x.size() - 2;
  w.in.assign(x.begin() + 2, x.end());
  w.kernel = kernel;
  w.stride = ints_or(c, n, "strides", w.spatial, 1);
  w.dilation = ints_or(c, n, "dilations", w.spatial, 1);
  Dims pads = ints_or(c, n, "pads", 2 * w.spatial, 0);
  if (w.kernel.size() != w.spatial || w.stride.size() != w.spatial || w.dilation.size() != w.spatial ||
      pads.size() != 2 * w.spatial)
    return c.fail("kernel_shape, strides, dilations and pads must have one entry per spatial dimension");
  std::string auto_pad = c.string_attr(n, "auto_pad", "NOTSET");
  bool ceil_mode = c.int_attr(n, "ceil_mode", 0) != 0;
  for (size_t d = 0; d < w.spatial; ++d) {
    int64_t k = w.kernel[d], s = w.stride[d], dl = w.dilation[d];
    if (k < 1 || s < 1 || dl < 1 || pads[d] < 0 || pads[d + w.spatial] < 0)
      return c.fail("kernel sizes, strides and dilations must be >= 1 and pads >= 0");
    // Each at most 2^28 (the largest dimension), so that no sum or product below overflows.
    for (int64_t v : {k, s, dl, pads[d], pads[d + w.spatial]})
      if (v > kMaxTensorElements)
        return c.fail("kernel sizes, strides, dilations and pads must be at most 2^28");
    int64_t span = dl * (k - 1) + 1, begin = pads[d], end = pads[d + w.spatial];
    if (auto_pad == "VALID") {
      begin = end = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t out = (w.in[d] + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + span - w.in[d]);
      begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    } else if (auto_pad != "NOTSET") {
      return c.fail("auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER");
    }
    int64_t room = w.in[d] + begin + end - span;
    if (room < 0) return c.fail("the kernel is larger than the padded input");
    int64_t out = (ceil_mode ? (room + s - 1) / s : room / s) + 1;
    if (ceil_mode && (out - 1) * s >= w.in[d] + begin) --out;  // the last window must start inside
    w.pad_begin.push_back(begin);
    w.pad_end.push_back(std::max(end, (out - 1) * s + span - w.in[d] - begin));
    w.out.push_back(out);
  }
  return w;
}

Expected<std::string> emit(Converter& c, OpKind op, const std::vector<std::string>& ins,
                           const std::string& hint, Attributes attrs = {}) {
  std::string out = c.fresh(hint);
  if (Status s = c.emit(op, ins, {out}, std::move(attrs)); !s) return s.error();
  return out;
}

// x padded with `value` by the window's pads (a Concat with constant blocks per padded dimension).
Expected<std::string> padded(Converter& c, const std::string& x, Dims shape, const Window& w, float value,
                             const std::string& hint) {
  std::string cur = x;
  for (size_t d = 0; d < w.spatial; ++d) {
    size_t axis = d + 2;
    std::vector<std::string> parts;
    auto block = [&](int64_t extent) -> Status {
      Dims dims = shape;
      dims[axis] = extent;
      if (Status s = check_constant_size(c, dims); !s) return s;
      int64_t count = std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
      parts.push_back(c.param(hint + ".pad", dims, std::vector<float>(static_cast<size_t>(count), value)));
      return Status::ok();
    };
    if (w.pad_begin[d] > 0)
      if (Status s = block(w.pad_begin[d]); !s) return s.error();
    parts.push_back(cur);
    if (w.pad_end[d] > 0)
      if (Status s = block(w.pad_end[d]); !s) return s.error();
    if (parts.size() == 1) continue;
    auto joined = emit(c, OpKind::Concat, parts, hint + ".padded", {{"axis", static_cast<int64_t>(axis)}});
    if (!joined) return joined;
    cur = *joined;
    shape[axis] += w.pad_begin[d] + w.pad_end[d];
  }
  return cur;
}

// One strided Slice of the padded input per kernel offset (row-major over the kernel), each [N, C, out...].
Expected<std::vector<std::string>> window_views(Converter& c, const std::string& src, const Window& w,
                                                const std::string& hint) {
  std::vector<std::string> views;
  for (int64_t o = 0; o < w.offsets(); ++o) {
    Dims starts, ends, axes, steps;
    int64_t rest = o;
    for (size_t d = w.spatial; d-- > 0;) {
      int64_t k = rest % w.kernel[d];
      rest /= w.kernel[d];
      int64_t start = k * w.dilation[d];
      starts.insert(starts.begin(), start);
      ends.insert(ends.begin(), start + (w.out[d] - 1) * w.stride[d] + 1);
      axes.insert(axes.begin(), static_cast<int64_t>(d + 2));
      steps.insert(steps.begin(), w.stride[d]);
    }
    auto v = emit(c, OpKind::Slice, {src}, hint + ".view",
                  {{"starts", starts}, {"ends", ends}, {"axes", axes}, {"steps", steps}});
    if (!v) return v.error();
    views.push_back(*v);
  }
  return views;
}

// W [M, Cg, k...] as [Mg, KK * Cg] rows for group g, reordered from [m][c][offset] to the im2col order
// [m][offset][c]: at import for a constant W, else by Reshape, Transpose and Slice nodes.
Expected<std::string> group_weights(Converter& c, const Node& n, const Dims& wd, int64_t g, int64_t Mg,
                                    int64_t KK, const std::string& hint) {
  int64_t Cg = wd[1];
  if (const Constant* W = c.constant(c.input(n, 1))) {
    std::vector<float> wg(static_cast<size_t>(Mg * KK * Cg));
    for (int64_t m = 0; m < Mg; ++m)
      for (int64_t ci = 0; ci < Cg; ++ci)
        for (int64_t o = 0; o < KK; ++o)
          wg[static_cast<size_t>((m * KK + o) * Cg + ci)] =
              static_cast<float>(W->value(static_cast<size_t>(((g * Mg + m) * Cg + ci) * KK + o)));
    return c.param(hint + ".weights", {Mg, KK * Cg}, std::move(wg));
  }
  auto rows = emit(c, OpKind::Reshape, {c.input(n, 1)}, hint + ".w3", {{"shape", Dims{wd[0], Cg, KK}}});
  auto moved = rows ? emit(c, OpKind::Transpose, {*rows}, hint + ".wt", {{"perm", Dims{0, 2, 1}}}) : rows;
  auto flat = moved ? emit(c, OpKind::Reshape, {*moved}, hint + ".w2", {{"shape", Dims{wd[0], KK * Cg}}}) : moved;
  if (!flat || Mg == wd[0]) return flat;
  return emit(c, OpKind::Slice, {*flat}, hint + ".wg",
              {{"starts", Dims{g * Mg}}, {"ends", Dims{(g + 1) * Mg}}, {"axes", Dims{0}}});
}

Status convert_conv_nd(Converter& c, const Node& n, const Dims& x) {
  if (c.input(n, 1).empty()) return c.fail("W is missing");
  Dims wd;
  if (const Constant* k = c.constant(c.input(n, 1))) {
    wd = k->dims;
  } else {
    auto s = c.shape_of(c.input(n, 1));
    if (!s) return s.error();
    wd = *s;
  }
  if (wd.size() != x.size()) return c.fail("W must have the rank of X");
  int64_t group = c.int_attr(n, "group", 1), M = wd[0], Cg = wd[1];
  if (group < 1 || x[1] != Cg * group || M % group != 0) return c.fail("channels do not match W and group");
  auto w = window(c, n, x, Dims(wd.begin() + 2, wd.end()));
  if (!w) return w.error();
  int64_t KK = w->offsets(), Mg = M / group, P = 1;
  for (int64_t o : w->out) P = std::min(P * o, kMaxTensorElements);  // larger fails at the first Slice
  if (KK > 64) return c.fail("Conv kernels of more than 64 positions are not supported");
  const std::string& y = n.outputs.at(0);
  auto src = padded(c, c.input(n, 0), x, *w, 0.0f, y);
  if (!src) return src.error();
  std::vector<std::string> groups;
  for (int64_t g = 0; g < group; ++g) {
    std::string in = *src;
    if (group > 1) {
      auto part = emit(c, OpKind::Slice, {in}, y + ".group",
                       {{"starts", Dims{g * Cg}}, {"ends", Dims{(g + 1) * Cg}}, {"axes", Dims{1}}});
      if (!part) return part.error();
      in = *part;
    }
    auto views = window_views(c, in, *w, y);
    if (!views) return views.error();
    std::string cols = (*views)[0];
    if (views->size() > 1) {
      auto joined = emit(c, OpKind::Concat, *views, y + ".im2col", {{"axis", int64_t{1}}});
      if (!joined) return joined.error();
      cols = *joined;
    }
    auto flat = emit(c, OpKind::Reshape, {cols}, y + ".cols", {{"shape", Dims{x[0], KK * Cg, P}}});
    if (!flat) return flat.error();
    auto wp = group_weights(c, n, wd, g, Mg, KK, y);
    if (!wp) return wp.error();
    auto prod = emit(c, OpKind::MatMul, {*wp, *flat}, y + ".product");
    if (!prod) return prod.error();
    groups.push_back(*prod);
  }
  std::string all = groups[0];
  if (groups.size() > 1) {
    auto joined = emit(c, OpKind::Concat, groups, y + ".groups", {{"axis", int64_t{1}}});
    if (!joined) return joined.error();
    all = *joined;
  }
  if (!c.input(n, 2).empty()) {
    auto bias = c.shape_of(c.input(n, 2));
    if (!bias) return bias.error();
    auto column = emit(c, OpKind::Reshape, {c.input(n, 2)}, y + ".bias", {{"shape", Dims{M, 1}}});
    auto biased = column ? emit(c, OpKind::Add, {all, *column}, y + ".biased") : column;
    if (!biased) return biased.error();
    all = *biased;
  }
  Dims out_shape = {x[0], M};
  out_shape.insert(out_shape.end(), w->out.begin(), w->out.end());
  return c.emit(OpKind::Reshape, {all}, {y}, {{"shape", out_shape}});
}

// The number of input (not pad) positions in each window, for AveragePool with count_include_pad = 0.
std::vector<float> window_counts(const Window& w) {
  int64_t P = std::accumulate(w.out.begin(), w.out.end(), int64_t{1}, std::multiplies<>());
  std::vector<float> counts(static_cast<size_t>(P));
  for (int64_t p = 0; p < P; ++p) {
    int64_t rest = p, count = 1;
    for (size_t d = w.spatial; d-- > 0;) {
      int64_t at = rest % w.out[d];
      rest /= w.out[d];
      int64_t inside = 0;
      for (int64_t k = 0; k < w.kernel[d]; ++k) {
        int64_t pos = at * w.stride[d] + k * w.dilation[d] - w.pad_begin[d];
        inside += pos >= 0 && pos < w.in[d];
      }
      count *= inside;
    }
    counts[static_cast<size_t>(p)] = static_cast<float>(count);
  }
  return counts;
}

Status convert_pool(Converter& c, const Node& n, const Dims& x) {
  bool max = n.op_type == "MaxPool";
  if (n.outputs.size() > 1 && !n.outputs[1].empty()) return c.fail("the Indices output is not supported");
  if (max && c.int_attr(n, "storage_order", 0) != 0) return c.fail("storage_order 1 is not supported");
  const Dims* k = c.ints_attr(n, "kernel_shape");
  if (!k) return c.fail("kernel_shape is required");
  auto w = window(c, n, x, *k);
  if (!w) return w.error();
  if (w->offsets() > kMaxPoolWindow)
    return c.fail("pooling windows of more than " + std::to_string(kMaxPoolWindow) +
                  " positions are not supported (one Slice each)");
  const std::string& y = n.outputs.at(0);
  // Max pads with the lowest finite fp32 (params must be finite), which no window can pick: each holds
  // at least one input value.
  float pad = max ? std::numeric_limits<float>::lowest() : 0.0f;
  auto src = padded(c, c.input(n, 0), x, *w, pad, y);
  if (!src) return src.error();
  auto views = window_views(c, *src, *w, y);
  if (!views) return views.error();
  std::string acc = (*views)[0];
  for (size_t v = 1; v < views->size(); ++v) {
    auto next = emit(c, max ? OpKind::Max : OpKind::Add, {acc, (*views)[v]}, y + ".acc");
    if (!next) return next.error();
    acc = *next;
  }
  Dims out_shape = {x[0], x[1]};
  out_shape.insert(out_shape.end(), w->out.begin(), w->out.end());
  if (max) return c.emit(OpKind::Reshape, {acc}, {y}, {{"shape", out_shape}});
  bool with_pads = c.int_attr(n, "count_include_pad", 0) != 0;
  std::vector<float> counts = window_counts(*w);
  if (with_pads) {
    // The explicit pads count; the extra end pad of ceil_mode does not (as in ONNX's reference).
    Window explicit_pads = *w;
    Dims pads = ints_or(c, n, "pads", 2 * w->spatial, 0);
    std::string auto_pad = c.string_attr(n, "auto_pad", "NOTSET");
    for (size_t d = 0; d < w->spatial; ++d) {
      int64_t end = auto_pad == "NOTSET" ? pads[d + w->spatial] : w->pad_end[d];
      explicit_pads.in[d] = w->in[d] + w->pad_begin[d] + std::min(end, w->pad_end[d]);
      explicit_pads.pad_begin[d] = 0;
    }
    counts = window_counts(explicit_pads);
  }
  for (float& v : counts) v = 1.0f / v;
  Dims count_shape(w->out.begin(), w->out.end());
  std::string scale = c.param(y + ".inverse_counts", count_shape, std::move(counts));
  return c.emit(OpKind::Mul, {acc, scale}, {y});
}

Status convert_global_pool(Converter& c, const Node& n, const Dims& x) {
  Dims axes;
  for (size_t d = 2; d < x.size(); ++d) axes.push_back(static_cast<int64_t>(d));
  OpKind op = n.op_type == "GlobalMaxPool" ? OpKind::ReduceMax : OpKind::ReduceMean;
  return c.emit(op, {c.input(n, 0)}, {n.outputs.at(0)}, {{"axes", axes}, {"keepdims", int64_t{1}}});
}
}  // namespace

bool is_conv_or_pool(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalMaxPool" || op == "GlobalAveragePool";
}

Status convert_conv_or_pool(Converter& c, const Node& n) {
  if (c.input(n, 0).empty()) return c.fail("its input is missing");
  auto x = c.shape_of(c.input(n, 0));
  if (!x) return x.error();
  if (x->size() < 3) return c.fail("X must have rank >= 3 ([N, C, d1, ...])");
  if (n.op_type == "Conv") return convert_conv_nd(c, n, *x);
  if (n.op_type == "GlobalMaxPool" || n.op_type == "GlobalAveragePool") return convert_global_pool(c, n, *x);
  return convert_pool(c, n, *x);
}

}  // namespace njc::onnx
