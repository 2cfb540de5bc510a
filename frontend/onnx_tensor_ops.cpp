// ONNX ops that copy or repeat a runtime tensor, built from njc's Slice, Concat and broadcasting Add: Expand
// (of a computed value), Tile, Pad (constant mode) and Split. Their shape inputs must be constants.
#include <numeric>

#include "frontend/onnx_converter.h"
#include "ir/broadcast.h"

namespace njc::onnx {

namespace {
using Dims = std::vector<int64_t>;

// Concat of `copies` copies of x along axis into a fresh value named from hint.
Expected<std::string> repeat(Converter& c, const std::string& x, int64_t axis, int64_t copies,
                             const std::string& hint) {
  if (copies > 64) return c.fail("a repeat count above 64 along one axis is not supported");
  std::string out = c.fresh(hint);
  if (Status s = c.emit(OpKind::Concat, std::vector<std::string>(static_cast<size_t>(copies), x), {out},
                        {{"axis", axis}});
      !s)
    return s.error();
  return out;
}

// The last step of a composition: a Reshape to the same shape, so the result takes the node's output name.
Status rename(Converter& c, const std::string& from, const std::string& to) {
  auto shape = c.shape_of(from);
  if (!shape) return shape.error();
  return c.emit(OpKind::Reshape, {from}, {to}, {{"shape", *shape}});
}

Status convert_tile(Converter& c, const Node& n) {
  auto repeats = c.constant_input(n, 1, "Tile's repeats");
  if (!repeats) return repeats.error();
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  Dims r = as_ints(**repeats);
  if (r.size() != shape->size()) return c.fail("Tile's repeats must have one entry per input dimension");
  std::string cur = c.input(n, 0);
  for (size_t d = 0; d < r.size(); ++d) {
    if (r[d] < 1) return c.fail("a repeat count below 1 gives an empty tensor");
    if (r[d] == 1) continue;
    auto next = repeat(c, cur, static_cast<int64_t>(d), r[d], n.outputs.at(0) + ".tile");
    if (!next) return next.error();
    cur = *next;
  }
  return rename(c, cur, n.outputs.at(0));
}

// Pads and the constant value: inputs 1 and 2 from opset 11, attributes before.
Status pad_arguments(Converter& c, const Node& n, Dims& pads, float& value) {
  if (c.opset() < 11) {
    const Dims* p = c.ints_attr(n, "pads");
    if (!p) return c.fail("Pad needs its pads");
    pads = *p;
    value = c.float_attr(n, "value", 0.0f);
    return Status::ok();
  }
  auto p = c.constant_input(n, 1, "Pad's pads");
  if (!p) return p.error();
  pads = as_ints(**p);
  if (!c.input(n, 2).empty()) {
    auto v = c.constant_input(n, 2, "Pad's constant value");
    if (!v) return v.error();
    if ((*v)->size() != 1) return c.fail("Pad's constant value must be a scalar");
    value = static_cast<float>((*v)->value(0));
  }
  if (!c.input(n, 3).empty()) return c.fail("Pad's axes input is not supported");
  return Status::ok();
}

// The block of `extent` rows that pads x (`length` rows along axis) before or after it in mode "edge"
// (the first or last row repeated) or "reflect" (the rows next to the edge, mirrored, the edge excluded).
Expected<std::string> copied_block(Converter& c, const std::string& x, int64_t axis, int64_t length,
                                   int64_t extent, bool before, const std::string& mode, const std::string& hint) {
  Dims starts, ends, steps{1};
  if (mode == "edge") {
    starts = {before ? 0 : length - 1}, ends = {before ? 1 : length};
  } else {
    if (extent >= length) return c.fail("reflect padding must be shorter than the padded dimension");
    // Backward slices; an end of -(length + 1) reaches row 0 (a negative end counts from the back).
    int64_t end = before ? 0 : length - 2 - extent;
    starts = {before ? extent : length - 2}, ends = {end < 0 ? -(length + 1) : end}, steps = {-1};
  }
  std::string rows = c.fresh(hint + ".rows");
  Attributes attrs{{"starts", starts}, {"ends", ends}, {"axes", Dims{axis}}, {"steps", steps}};
  if (Status s = c.emit(OpKind::Slice, {x}, {rows}, attrs); !s) return s.error();
  if (mode == "edge" && extent > 1) return repeat(c, rows, axis, extent, hint + ".edge");
  return rows;
}

// Pad in modes constant, edge and reflect: per axis, a Slice for negative pads, then a Concat with the
// blocks (constants, or slices of the input).
Status convert_pad(Converter& c, const Node& n) {
  std::string mode = c.string_attr(n, "mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    return c.fail("Pad mode '" + mode + "' is not supported (constant, edge and reflect are)");
  Dims pads;
  float value = 0.0f;
  if (Status s = pad_arguments(c, n, pads, value); !s) return s;
  auto in_shape = c.shape_of(c.input(n, 0));
  if (!in_shape) return in_shape.error();
  Dims shape = *in_shape;
  size_t rank = shape.size();
  if (pads.size() != 2 * rank) return c.fail("Pad's pads must have two entries per input dimension");
  std::string cur = c.input(n, 0);
  const std::string& y = n.outputs.at(0);
  for (size_t d = 0; d < rank; ++d) {
    int64_t before = pads[d], after = pads[d + rank];
    if (before < 0 || after < 0) {
      int64_t start = std::max<int64_t>(0, -before), end = shape[d] - std::max<int64_t>(0, -after);
      if (end <= start) return c.fail("Pad's negative pads leave an empty tensor");
      std::string cut = c.fresh(y + ".crop");
      Attributes attrs{{"starts", Dims{start}}, {"ends", Dims{end}}, {"axes", Dims{static_cast<int64_t>(d)}}};
      if (Status s = c.emit(OpKind::Slice, {cur}, {cut}, attrs); !s) return s;
      cur = cut, shape[d] = end - start;
    }
    std::vector<std::string> parts;
    auto block = [&](int64_t extent, bool at_begin) -> Status {
      if (mode != "constant") {
        auto rows = copied_block(c, cur, static_cast<int64_t>(d), shape[d], extent, at_begin, mode, y);
        if (!rows) return rows.error();
        parts.push_back(*rows);
        return Status::ok();
      }
      Dims dims = shape;
      dims[d] = extent;
      if (Status s = check_constant_size(c, dims); !s) return s;
      int64_t count = std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
      parts.push_back(c.param(y + ".pad", dims, std::vector<float>(static_cast<size_t>(count), value)));
      return Status::ok();
    };
    if (before > 0)
      if (Status s = block(before, true); !s) return s;
    parts.push_back(cur);
    if (after > 0)
      if (Status s = block(after, false); !s) return s;
    if (parts.size() == 1) continue;
    std::string joined = c.fresh(y + ".padded");
    if (Status s = c.emit(OpKind::Concat, parts, {joined}, {{"axis", static_cast<int64_t>(d)}}); !s) return s;
    cur = joined, shape[d] += std::max<int64_t>(0, before) + std::max<int64_t>(0, after);
  }
  return rename(c, cur, y);
}

// Split sizes: input 1 (opset 13+), the attribute 'split' (before), or equal parts (num_outputs, opset 18).
Status split_sizes(Converter& c, const Node& n, int64_t extent, Dims& sizes) {
  if (c.opset() >= 13 && !c.input(n, 1).empty()) {
    auto k = c.constant_input(n, 1, "Split's sizes");
    if (!k) return k.error();
    sizes = as_ints(**k);
  } else if (const Dims* s = c.ints_attr(n, "split"); s && c.opset() < 13) {
    sizes = *s;
  } else {
    int64_t parts = static_cast<int64_t>(n.outputs.size());
    int64_t each = (extent + parts - 1) / parts;  // ONNX: the last part may be smaller
    for (int64_t at = 0; at < extent; at += each) sizes.push_back(std::min(each, extent - at));
  }
  if (sizes.size() != n.outputs.size()) return c.fail("Split's sizes do not match its number of outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s <= 0) return c.fail("Split into an empty part");
    total += s;
  }
  if (total != extent) return c.fail("Split's sizes do not add up to the axis extent");
  return Status::ok();
}

Status convert_split(Converter& c, const Node& n) {
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  int64_t rank = static_cast<int64_t>(shape->size()), axis = c.int_attr(n, "axis", 0);
  if (axis < -rank || axis >= rank) return c.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  Dims sizes;
  if (Status s = split_sizes(c, n, (*shape)[static_cast<size_t>(axis)], sizes); !s) return s;
  int64_t start = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Attributes attrs{{"starts", Dims{start}}, {"ends", Dims{start + sizes[i]}}, {"axes", Dims{axis}}};
    start += sizes[i];
    if (n.outputs[i].empty()) continue;
    if (Status s = c.emit(OpKind::Slice, {c.input(n, 0)}, {n.outputs[i]}, attrs); !s) return s;
  }
  return Status::ok();
}
}  // namespace

// Expand of a runtime value: x + zeros(shape) broadcasts x exactly as Expand does.
Status expand_runtime(Converter& c, const Node& n, const std::vector<int64_t>& shape) {
  for (int64_t d : shape)
    if (d < 1) return c.fail("Expand to a shape with a dimension below 1");
  if (Status s = check_constant_size(c, shape); !s) return s;
  int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  std::string zeros =
      c.param(n.outputs.at(0) + ".zeros", shape, std::vector<float>(static_cast<size_t>(count)));
  return c.emit(OpKind::Add, {c.input(n, 0), zeros}, {n.outputs.at(0)});
}

Status check_constant_size(Converter& c, const std::vector<int64_t>& dims) {
  if (dims.size() > kMaxRank || !shape_within_limits(dims))
    return c.fail("a constant of shape " + shape_to_string(dims) +
                  " would have more than the 2^28 elements (or 32 dimensions) njc allows");
  return Status::ok();
}

bool is_tensor_op(const std::string& op) {
  return op == "Tile" || op == "Pad" || op == "Split";
}

Status convert_tensor_op(Converter& c, const Node& n) {
  if (c.input(n, 0).empty()) return c.fail("its first input is missing");
  if (n.op_type == "Tile") return convert_tile(c, n);
  if (n.op_type == "Pad") return convert_pad(c, n);
  return convert_split(c, n);
}

}  // namespace njc::onnx
