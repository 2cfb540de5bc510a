// A small API to construct loop IR kernels in C++: used by the lowering from graph IR and by tests.
// Statements are appended at an insertion point that loop() moves into the loop body while its callback
// runs, so code reads like the nest it builds:
//
//   Kernel k; k.name = "axpy";
//   Builder b(k);
//   BufferId x = b.input("x", {64}), y = b.output("y", {64});
//   b.loop("i", 0, 64, 1, [&](ValueId i) {
//     ValueId v = b.load(x, {Affine::var(i)});
//     b.store(b.mul(v, b.constant(2)), y, {Affine::var(i)});
//   });
//
// Each factory checks what it can locally (arity, types) with NJC_ASSERT: a builder misuse is a bug in the
// caller, not a user error. The whole kernel is checked by verify().
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "ir/loop_ir.h"

namespace njc::loop {

class Builder {
 public:
  explicit Builder(Kernel& k) : k_(k), at_(&k.body) {}

  Kernel& kernel() { return k_; }
  // Appends at the end of b from now on (e.g. a loop body fetched from the tree).
  void set_insertion_block(Block& b) { at_ = &b; }

  // ---- buffers ----
  BufferId input(std::string_view name, std::vector<int64_t> shape);
  BufferId output(std::string_view name, std::vector<int64_t> shape);
  BufferId state(std::string_view name, std::vector<int64_t> shape);
  BufferId scratch(std::string_view name, std::vector<int64_t> shape);
  BufferId param(std::string_view name, std::vector<int64_t> shape, std::vector<float> data);

  // ---- instructions (results are named after the op: %add, %add_1, ...) ----
  ValueId constant(float value, int lanes = 1);
  ValueId mask(int active_lanes, int lanes);
  // Unit-stride load of `lanes` consecutive elements along the last dimension; mask_lanes > 0 reads only
  // the first mask_lanes of them.
  ValueId load(BufferId b, std::vector<Affine> index, int lanes = 1, int mask_lanes = 0);
  ValueId load_bcast(BufferId b, std::vector<Affine> index, int lanes);
  void store(ValueId value, BufferId b, std::vector<Affine> index, int mask_lanes = 0);
  ValueId splat(ValueId scalar, int lanes);
  // Any op whose result type follows from its operands (TypeRule kSame, kCompare, kSelect, kReduce).
  ValueId op(Op op, std::vector<ValueId> args);
  ValueId add(ValueId a, ValueId b) { return op(Op::Add, {a, b}); }
  ValueId sub(ValueId a, ValueId b) { return op(Op::Sub, {a, b}); }
  ValueId mul(ValueId a, ValueId b) { return op(Op::Mul, {a, b}); }
  ValueId div(ValueId a, ValueId b) { return op(Op::Div, {a, b}); }
  ValueId max(ValueId a, ValueId b) { return op(Op::Max, {a, b}); }
  ValueId min(ValueId a, ValueId b) { return op(Op::Min, {a, b}); }
  ValueId fma(ValueId a, ValueId b, ValueId c) { return op(Op::Fma, {a, b, c}); }
  ValueId unary(Op o, ValueId a) { return op(o, {a}); }

  // ---- loops ----
  // for %iv = lb to ub step step; body receives the induction variable. Returns the induction variable.
  ValueId loop(std::string_view iv, int64_t lb, int64_t ub, int64_t step, const std::function<void(ValueId)>& body);
  // A loop carrying values: body receives (iv, iter_args) and returns the yields. Returns the results.
  std::vector<ValueId> loop_iter(
      std::string_view iv, int64_t lb, int64_t ub, int64_t step, const std::vector<ValueId>& inits,
      const std::function<std::vector<ValueId>(ValueId, const std::vector<ValueId>&)>& body);

  // Appends a prepared statement (used by passes that assemble loops themselves).
  void append(Stmt s) { at_->push_back(std::move(s)); }

 private:
  BufferId buffer(std::string_view name, BufferKind kind, std::vector<int64_t> shape, std::vector<float> data);
  ValueId emit(Inst i, Type result);

  Kernel& k_;
  Block* at_;
};

}  // namespace njc::loop
