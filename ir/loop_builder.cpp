// Loop IR builder: validating factories for buffers, instructions and loops.
#include "ir/loop_builder.h"

#include "ir/assert.h"

namespace njc::loop {

BufferId Builder::buffer(std::string_view name, BufferKind kind, std::vector<int64_t> shape,
                         std::vector<float> data) {
  NJC_ASSERT(!k_.find_buffer(name), "Builder: buffer name already used");
  Buffer b;
  b.name = std::string(name);
  b.kind = kind;
  b.shape = std::move(shape);
  b.data = std::move(data);
  NJC_ASSERT(kind != BufferKind::kParam || static_cast<int64_t>(b.data.size()) == b.size(),
             "Builder: param data size does not match its shape");
  return k_.add_buffer(std::move(b));
}

BufferId Builder::input(std::string_view n, std::vector<int64_t> s) { return buffer(n, BufferKind::kInput, s, {}); }
BufferId Builder::output(std::string_view n, std::vector<int64_t> s) { return buffer(n, BufferKind::kOutput, s, {}); }
BufferId Builder::state(std::string_view n, std::vector<int64_t> s) { return buffer(n, BufferKind::kState, s, {}); }
BufferId Builder::scratch(std::string_view n, std::vector<int64_t> s) {
  return buffer(n, BufferKind::kScratch, s, {});
}
BufferId Builder::param(std::string_view n, std::vector<int64_t> s, std::vector<float> data) {
  return buffer(n, BufferKind::kParam, s, std::move(data));
}

ValueId Builder::emit(Inst i, Type result) {
  std::string_view hint = i.op == Op::Const ? "c" : i.op == Op::Mask ? "m" : op_name(i.op);
  i.result = k_.new_value(hint, result);
  ValueId r = i.result;
  at_->push_back(Stmt(std::move(i)));
  return r;
}

ValueId Builder::constant(float value, int lanes) {
  NJC_ASSERT(is_valid_lane_count(lanes), "Builder: bad lane count");
  Inst i;
  i.op = Op::Const;
  i.imm = value;
  return emit(std::move(i), Type::f32(lanes));
}

ValueId Builder::mask(int active, int lanes) {
  NJC_ASSERT(is_valid_lane_count(lanes) && active >= 0 && active <= lanes, "Builder: bad mask");
  Inst i;
  i.op = Op::Mask;
  i.mask_lanes = active;
  return emit(std::move(i), Type::mask(lanes));
}

ValueId Builder::load(BufferId b, std::vector<Affine> index, int lanes, int mask_lanes) {
  NJC_ASSERT(is_valid_lane_count(lanes) && mask_lanes >= 0 && mask_lanes <= lanes, "Builder: bad load lanes");
  Inst i;
  i.op = Op::Load;
  i.buffer = b;
  i.index = std::move(index);
  i.mask_lanes = mask_lanes;
  return emit(std::move(i), Type::f32(lanes));
}

ValueId Builder::load_bcast(BufferId b, std::vector<Affine> index, int lanes) {
  NJC_ASSERT(is_valid_lane_count(lanes), "Builder: bad lane count");
  Inst i;
  i.op = Op::LoadBcast;
  i.buffer = b;
  i.index = std::move(index);
  return emit(std::move(i), Type::f32(lanes));
}

void Builder::store(ValueId value, BufferId b, std::vector<Affine> index, int mask_lanes) {
  Inst i;
  i.op = Op::Store;
  i.args = {value};
  i.buffer = b;
  i.index = std::move(index);
  i.mask_lanes = mask_lanes;
  at_->push_back(Stmt(std::move(i)));
}

ValueId Builder::splat(ValueId scalar, int lanes) {
  NJC_ASSERT(k_.type_of(scalar) == Type::f32() && is_valid_lane_count(lanes), "Builder: splat of a non-scalar");
  Inst i;
  i.op = Op::Splat;
  i.args = {scalar};
  return emit(std::move(i), Type::f32(lanes));
}

ValueId Builder::op(Op o, std::vector<ValueId> args) {
  const OpInfo& info = op_info(o);
  NJC_ASSERT(static_cast<int>(args.size()) == info.arity, "Builder: wrong operand count");
  Type t;
  switch (info.rule) {
    case TypeRule::kSame: t = k_.type_of(args[0]); break;
    case TypeRule::kCompare: t = Type::mask(k_.type_of(args[0]).lanes); break;
    case TypeRule::kSelect: t = k_.type_of(args[1]); break;
    case TypeRule::kReduce: t = Type::f32(); break;
    default: NJC_UNREACHABLE("Builder::op: use the dedicated factory for this op");
  }
  Inst i;
  i.op = o;
  i.args = std::move(args);
  return emit(std::move(i), t);
}

ValueId Builder::loop(std::string_view iv, int64_t lb, int64_t ub, int64_t step,
                      const std::function<void(ValueId)>& body) {
  loop_iter(iv, lb, ub, step, {}, [&](ValueId i, const std::vector<ValueId>&) {
    body(i);
    return std::vector<ValueId>{};
  });
  return at_->back().loop().iv;
}

std::vector<ValueId> Builder::loop_iter(
    std::string_view iv, int64_t lb, int64_t ub, int64_t step, const std::vector<ValueId>& inits,
    const std::function<std::vector<ValueId>(ValueId, const std::vector<ValueId>&)>& body) {
  NJC_ASSERT(step > 0 && lb <= ub, "Builder: bad loop bounds");
  Loop l;
  l.iv = k_.new_value(iv, Type::index());
  l.lb = lb;
  l.ub = ub;
  l.step = step;
  l.inits = inits;
  for (ValueId init : inits) l.iter_args.push_back(k_.new_value("acc", k_.type_of(init)));
  Block* outer = at_;
  at_ = &l.body;
  l.yields = body(l.iv, l.iter_args);
  at_ = outer;
  NJC_ASSERT(l.yields.size() == inits.size(), "Builder: a loop must yield one value per init");
  for (ValueId init : inits) l.results.push_back(k_.new_value("r", k_.type_of(init)));
  std::vector<ValueId> results = l.results;
  at_->push_back(Stmt(std::move(l)));
  return results;
}

}  // namespace njc::loop
