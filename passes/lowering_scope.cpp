// Buffer naming and kernel construction helpers of the lowering.
#include "passes/lowering_scope.h"

#include <algorithm>

#include "ir/assert.h"

namespace njc::passes::lowering {

namespace {
std::string sanitized(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') ? c : '_';
  return s.empty() ? "v" : s;
}

void nest_from(loop::Builder& b, const Shape& shape, const std::function<void(const Idx&)>& body, size_t d,
               Idx idx) {
  if (d == shape.size()) return body(idx);
  static const char* kNames[] = {"i", "j", "l", "m", "n", "o", "p", "q"};
  std::string name = d < 8 ? kNames[d] : "d" + std::to_string(d);
  b.loop(name, 0, shape[d], 1, [&](LoopValue iv) {
    Idx next = idx;
    next.push_back(Affine::var(iv));
    nest_from(b, shape, body, d + 1, next);
  });
}
}  // namespace

LoweringContext::LoweringContext(const Graph& g)
    : g_(g), names_(g.values.size()), is_output_(g.values.size(), false) {
  for (ValueId v : g.outputs) is_output_[static_cast<size_t>(v)] = true;
}

std::string LoweringContext::unique(const std::string& base) {
  const std::string stem = sanitized(base);
  if (taken_.insert(stem).second) return stem;
  int& suffix = next_suffix_.try_emplace(stem, 1).first->second;
  std::string name = stem + "_" + std::to_string(suffix);
  while (!taken_.insert(name).second) name = stem + "_" + std::to_string(++suffix);
  ++suffix;
  return name;
}

bool LoweringContext::is_output(ValueId v) const {
  return is_output_[static_cast<size_t>(v)];
}

bool LoweringContext::is_constant(ValueId v) const {
  const ValueInfo& info = g_.value(v);
  if (info.kind == ValueKind::Param) return true;
  if (info.kind != ValueKind::Result || is_output(v)) return false;
  const Node& n = g_.nodes[static_cast<size_t>(info.producer)];
  return n.op == OpKind::Reshape && is_constant(n.inputs[0]);
}

ValueId LoweringContext::constant_source(ValueId v) const {
  while (g_.value(v).kind != ValueKind::Param)
    v = g_.nodes[static_cast<size_t>(g_.value(v).producer)].inputs[0];
  return v;
}

View KernelScope::view(ValueId v, bool writes) {
  const Shape& shape = ctx_.shape(v);
  const std::string& name = ctx_.buffer_name(v);
  bool constant = ctx_.is_constant(v);
  auto existing = k_.find_buffer(name);
  if (!existing) {
    int64_t n = num_elements(shape);
    if (constant)
      existing = b_.param(name, {n}, ctx_.g().data_of(ctx_.constant_source(v)));
    else if (writes)
      existing = b_.output(name, {storage_elements(shape) * ctx_.batch()});
    else
      existing = b_.input(name, {storage_elements(shape) * ctx_.batch()});
  }
  NJC_ASSERT(!writes || k_.buffer(*existing).kind == loop::BufferKind::kOutput,
             "a kernel writes a buffer it reads");
  return View{*existing, shape, !constant};
}

BufferId KernelScope::constant_buffer(const std::string& hint, std::vector<float> data) {
  int64_t n = static_cast<int64_t>(data.size());
  return b_.param(ctx_.unique(hint), {n}, std::move(data));
}

View KernelScope::scratch(const std::string& hint, const Shape& shape) {
  return View{b_.scratch(ctx_.unique(hint), {storage_elements(shape) * ctx_.batch()}), shape, true};
}

View KernelScope::passed(const std::string& name, const Shape& shape, bool writes) {
  int64_t n = storage_elements(shape) * ctx_.batch();
  std::optional<BufferId> existing = k_.find_buffer(name);
  if (!existing) existing = writes ? b_.output(name, {n}) : b_.input(name, {n});
  NJC_ASSERT(k_.buffer(*existing).size() == n, "a passed buffer declared with two sizes");
  return View{*existing, shape, true};
}

Affine KernelScope::index(const View& v, const Idx& idx) {
  return index_at(v, linear_index(v.shape, idx));
}

Affine KernelScope::index_at(const View& v, const Affine& position) {
  if (!v.per_instance || batch_iv_ == loop::kNoValue) return position;
  return position + Affine::var(batch_iv_, num_elements(v.shape));
}

void KernelScope::per_instance(const std::function<void()>& body) {
  if (ctx_.batch() == 1) return body();
  b_.loop("b", 0, ctx_.batch(), 1, [&](LoopValue iv) {
    batch_iv_ = iv;
    body();
    batch_iv_ = loop::kNoValue;
  });
}

void KernelScope::for_instances(const std::string& name, const std::function<void()>& body) {
  NJC_ASSERT(batch_iv_ == loop::kNoValue, "instance loops do not nest");
  b_.loop(name, 0, ctx_.batch(), 1, [&](LoopValue iv) {
    batch_iv_ = iv;
    body();
    batch_iv_ = loop::kNoValue;
  });
}

void nest(loop::Builder& b, const Shape& shape, const std::function<void(const Idx&)>& body) {
  nest_from(b, shape, body, 0, {});
}

Idx broadcast_index(const Shape& from, const Shape& to, const Idx& idx) {
  Idx out;
  size_t offset = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d) out.push_back(from[d] == 1 ? Affine::cst(0) : idx[d + offset]);
  return out;
}

int64_t storage_elements(const Shape& shape) {
  return std::max<int64_t>(1, num_elements(shape));
}

Affine linear_index(const Shape& shape, const Idx& idx) {
  NJC_ASSERT(idx.size() == shape.size(), "index rank differs from the tensor's");
  std::vector<int64_t> strides = row_major_strides(shape);
  Affine a = Affine::cst(0);
  for (size_t d = 0; d < idx.size(); ++d) a = a + idx[d] * strides[d];
  return a;
}

LoopValue rnn_activation(KernelScope& s, const std::string& name, LoopValue x) {
  if (name == "Sigmoid") return s.b().unary(loop::Op::Sigmoid, x);
  if (name == "Tanh") return s.b().unary(loop::Op::Tanh, x);
  if (name == "Relu") return s.b().max(x, s.c(0));
  NJC_UNREACHABLE("unsupported RNN activation " + name);
}

}  // namespace njc::passes::lowering
