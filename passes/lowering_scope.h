// Shared by the lowering files (internal to passes/): the naming of graph values' buffers, and a kernel
// under construction with index helpers. Every graph value lives in a flat row-major buffer of
// batch × num_elements fp32 (params and views of them: num_elements, shared by all instances).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"
#include "ir/loop_builder.h"

namespace njc::passes::lowering {

using loop::Affine;
using loop::BufferId;
using Idx = std::vector<Affine>;
using LoopValue = loop::ValueId;

// Which buffer each graph value uses, and which values are compile-time constants.
class LoweringContext {
 public:
  explicit LoweringContext(const Graph& g);
  const Graph& g() const { return g_; }
  int64_t batch() const { return g_.batch; }
  const Shape& shape(ValueId v) const { return g_.value(v).shape; }
  const std::string& buffer_name(ValueId v) const { return names_[static_cast<size_t>(v)]; }
  void set_buffer_name(ValueId v, std::string name) { names_[static_cast<size_t>(v)] = std::move(name); }
  // A loop-IR-legal name not handed out before: base (sanitized), then base_1, base_2, ...
  std::string unique(const std::string& base);
  bool is_output(ValueId v) const;
  // A param, or a Reshape view of one that is not a model output: constant data that lives in the kernels.
  bool is_constant(ValueId v) const;
  // The param whose data a constant value shows.
  ValueId constant_source(ValueId v) const;

 private:
  const Graph& g_;
  std::vector<std::string> names_;
  std::vector<bool> is_output_;  // per graph value
  std::unordered_set<std::string> taken_;
  // Per sanitized base, the suffix unique() tries next: every smaller one is taken, so a weight packed
  // by thousands of kernels costs one probe per name, not one per earlier copy.
  std::unordered_map<std::string, int> next_suffix_;
};

// Where a tensor's elements are in a kernel: a buffer, the per-instance shape, and whether each batch
// instance has its own copy (instance data) or all share it (constants).
struct View {
  BufferId buffer;
  Shape shape;
  bool per_instance;
};

// One kernel under construction: buffers declared on first use, the batch loop's variable.
class KernelScope {
 public:
  KernelScope(LoweringContext& ctx, std::string name) : ctx_(ctx), b_(k_) { k_.name = std::move(name); }
  KernelScope(const KernelScope&) = delete;
  loop::Builder& b() { return b_; }
  loop::Kernel take() { return std::move(k_); }

  View read(ValueId v) { return view(v, false); }
  View write(ValueId v) { return view(v, true); }
  // A constant the lowering computed (e.g. packed weights), under a fresh name.
  BufferId constant_buffer(const std::string& hint, std::vector<float> data);
  // A per-instance scratch tensor of this kernel, under a fresh name.
  View scratch(const std::string& hint, const Shape& shape);
  // A per-instance tensor that no graph value names, passed between the kernels of one node by its
  // name (from LoweringContext::unique): the kernel that writes it declares it an output, later ones an
  // input. Declared on first use.
  View passed(const std::string& name, const Shape& shape, bool writes);

  // The index in the view's buffer of element idx (one affine per dimension) of the current instance.
  Affine index(const View& v, const Idx& idx);
  // Same for a row-major position within the instance.
  Affine index_at(const View& v, const Affine& position);
  LoopValue load(const View& v, const Idx& idx) { return b_.load(v.buffer, {index(v, idx)}); }
  void store(LoopValue x, const View& v, const Idx& idx) { b_.store(x, v.buffer, {index(v, idx)}); }
  LoopValue load(ValueId v, const Idx& idx) { return load(read(v), idx); }
  void store(LoopValue x, ValueId v, const Idx& idx) { store(x, write(v), idx); }
  LoopValue c(double x) { return b_.constant(static_cast<float>(x)); }

  // Runs body once per batch instance (inside a loop over them when batch > 1).
  void per_instance(const std::function<void()>& body);
  // A loop over the batch instances (even when batch is 1) as one loop of a nest: accesses of instance
  // data in body index the copy of the instance this loop's variable names. Nests built from such loops
  // put the instances on the row loop of a matrix product, so every instance reuses a weight panel.
  void for_instances(const std::string& name, const std::function<void()>& body);

 private:
  View view(ValueId v, bool writes);
  LoweringContext& ctx_;
  loop::Kernel k_;
  loop::Builder b_;
  LoopValue batch_iv_ = loop::kNoValue;
};

// Nested loops over every index of `shape`; body gets one affine per dimension.
void nest(loop::Builder& b, const Shape& shape, const std::function<void(const Idx&)>& body);

// The index of a (numpy-broadcast) operand of shape `from` at index idx of the result shape `to`.
Idx broadcast_index(const Shape& from, const Shape& to, const Idx& idx);

// Elements a buffer for one instance of a tensor of this shape holds: an empty tensor (a Slice can make
// one) still gets one, never accessed, because loop IR buffers have positive sizes.
int64_t storage_elements(const Shape& shape);

// Row-major position of element idx in a tensor of this shape.
Affine linear_index(const Shape& shape, const Idx& idx);

// Applies an ONNX RNN gate activation (Sigmoid, Tanh, Relu) in loop IR.
LoopValue rnn_activation(KernelScope& s, const std::string& name, LoopValue x);

}  // namespace njc::passes::lowering
