// Loop IR verifier. One walk over the tree with a visibility set (values come into scope at their
// definition and leave it at the end of their block) and the constant range of every enclosing
// induction variable, which makes the bounds check of each access exact.
#include "ir/loop_verifier.h"

#include <fmt/format.h>

#include "ir/loop_printer.h"

namespace njc::loop {

namespace {

struct Range {
  int64_t lo = 0;
  int64_t hi = 0;
};

class Verifier {
 public:
  Verifier(const Kernel& k, bool param_data) : k_(k), param_data_(param_data), visible_(k.values.size(), false), defined_(k.values.size(), false),
                                       ranges_(k.values.size()) {}

  Status run() {
    for (const Buffer& b : k_.buffers)
      if (Status s = buffer(b); !s) return s;
    return block(k_.body, true);
  }

 private:
  Diag error(Loc loc, std::string msg) const { return Diag{"", loc.line, loc.col, "", std::move(msg)}; }
  std::string name(ValueId v) const { return "%" + k_.name_of(v); }
  bool valid_id(ValueId v) const { return v >= 0 && static_cast<size_t>(v) < k_.values.size(); }

  Status buffer(const Buffer& b) {
    for (int64_t d : b.shape)
      if (d <= 0) return error(b.loc, fmt::format("buffer %{} has a non-positive dimension", b.name));
    if (b.kind == BufferKind::kParam && param_data_ && static_cast<int64_t>(b.data.size()) != b.size())
      return error(b.loc, fmt::format("param %{} has {} elements but {} values", b.name, b.size(), b.data.size()));
    if (b.kind != BufferKind::kParam && !b.data.empty())
      return error(b.loc, fmt::format("only params carry data, %{} is {}", b.name, buffer_kind_name(b.kind)));
    return {};
  }

  Status define(ValueId v, Loc loc, std::vector<ValueId>& scope) {
    if (!valid_id(v)) return error(loc, "definition of an unknown value id");
    if (defined_[static_cast<size_t>(v)]) return error(loc, fmt::format("{} is defined twice", name(v)));
    defined_[static_cast<size_t>(v)] = visible_[static_cast<size_t>(v)] = true;
    scope.push_back(v);
    return {};
  }

  Status use(ValueId v, Loc loc) const {
    if (!valid_id(v)) return error(loc, "use of an unknown value id");
    if (!visible_[static_cast<size_t>(v)])
      return error(loc, fmt::format("{} is used where its definition is not visible", name(v)));
    if (k_.type_of(v).kind == ScalarKind::kIndex)
      return error(loc, fmt::format("induction variable {} used as an operand", name(v)));
    return {};
  }

  Status block(const Block& b, bool reachable) {
    std::vector<ValueId> scope;
    Status st;
    for (const Stmt& s : b) {
      st = s.is_loop() ? loop(s.loop(), scope, reachable) : inst(s.inst(), scope, reachable);
      if (!st) break;
    }
    for (ValueId v : scope) visible_[static_cast<size_t>(v)] = false;
    return st;
  }

  Status loop(const Loop& l, std::vector<ValueId>& outer_scope, bool reachable) {
    if (l.step <= 0) return error(l.loc, "loop step must be positive");
    if (l.lb > l.ub) return error(l.loc, fmt::format("loop bounds {} to {} are reversed", l.lb, l.ub));
    if (int64_t span = 0; __builtin_sub_overflow(l.ub, l.lb, &span) || span > INT64_MAX - l.step)
      return error(l.loc, fmt::format("loop bounds {} to {} span more than 2^63", l.lb, l.ub));
    size_t n = l.iter_args.size();
    if (l.inits.size() != n || l.yields.size() != n || l.results.size() != n)
      return error(l.loc, "loop-carried values, inits, yields and results differ in number");
    for (ValueId v : l.inits)
      if (Status s = use(v, l.loc); !s) return s;
    std::vector<ValueId> scope;
    Status st = define(l.iv, l.loc, scope);
    if (st && k_.type_of(l.iv).kind != ScalarKind::kIndex)
      st = error(l.loc, fmt::format("induction variable {} must have type index", name(l.iv)));
    // The last value the variable takes; exact, since lb <= ub and step > 0 keep it within [lb, ub].
    ranges_[static_cast<size_t>(l.iv)] = {l.lb, l.lb + (l.ub - l.lb - 1 < 0 ? 0 : (l.ub - l.lb - 1) / l.step * l.step)};
    for (size_t i = 0; st && i < n; ++i) {
      st = define(l.iter_args[i], l.loc, scope);
      if (st && k_.type_of(l.iter_args[i]) != k_.type_of(l.inits[i]))
        st = error(l.loc, fmt::format("{} has type {} but its init {} has {}", name(l.iter_args[i]),
                                      k_.type_of(l.iter_args[i]).str(), name(l.inits[i]),
                                      k_.type_of(l.inits[i]).str()));
    }
    if (st) st = block_with_yields(l, reachable && l.trip_count() > 0);
    for (ValueId v : scope) visible_[static_cast<size_t>(v)] = false;
    if (!st) return st;
    for (size_t i = 0; i < n; ++i) {
      if (Status s = define(l.results[i], l.loc, outer_scope); !s) return s;
      if (k_.type_of(l.results[i]) != k_.type_of(l.iter_args[i]))
        return error(l.loc, fmt::format("loop result {} has type {} but carries {}", name(l.results[i]),
                                        k_.type_of(l.results[i]).str(), k_.type_of(l.iter_args[i]).str()));
    }
    return {};
  }

  // The body's values must stay visible for the yields, so the block is walked here, not by block().
  Status block_with_yields(const Loop& l, bool reachable) {
    std::vector<ValueId> scope;
    Status st;
    for (const Stmt& s : l.body) {
      st = s.is_loop() ? loop(s.loop(), scope, reachable) : inst(s.inst(), scope, reachable);
      if (!st) break;
    }
    for (size_t i = 0; st && i < l.yields.size(); ++i) {
      st = use(l.yields[i], l.loc);
      if (st && k_.type_of(l.yields[i]) != k_.type_of(l.iter_args[i]))
        st = error(l.loc, fmt::format("yield of {} : {} for {} : {}", name(l.yields[i]),
                                      k_.type_of(l.yields[i]).str(), name(l.iter_args[i]),
                                      k_.type_of(l.iter_args[i]).str()));
    }
    for (ValueId v : scope) visible_[static_cast<size_t>(v)] = false;
    return st;
  }

  Status inst(const Inst& i, std::vector<ValueId>& scope, bool reachable) {
    const OpInfo& info = op_info(i.op);
    std::string op(info.name);
    if (static_cast<int>(i.args.size()) != info.arity)
      return error(i.loc, fmt::format("'{}' takes {} operands, not {}", op, info.arity, i.args.size()));
    for (ValueId a : i.args)
      if (Status s = use(a, i.loc); !s) return s;
    bool has_result = info.rule != TypeRule::kNoResult;
    if (has_result != (i.result != kNoValue))
      return error(i.loc, fmt::format("'{}' {} a result", op, has_result ? "needs" : "has no"));
    if (Status s = types(i); !s) return s;
    if (info.syntax == Syntax::kLoad || info.syntax == Syntax::kStore)
      if (Status s = access(i, reachable); !s) return s;
    if (has_result) return define(i.result, i.loc, scope);
    return {};
  }

  Status types(const Inst& i) const {
    const OpInfo& info = op_info(i.op);
    std::string op(info.name);
    auto arg = [&](size_t n) { return k_.type_of(i.args[n]); };
    Type r = i.result != kNoValue ? k_.type_of(i.result) : Type{};
    if (i.result != kNoValue && (r.kind == ScalarKind::kIndex || !is_valid_lane_count(r.lanes)))
      return error(i.loc, fmt::format("'{}' cannot produce type {}", op, r.str()));
    auto mismatch = [&](std::string what) {
      return error(i.loc, fmt::format("'{}': {}", op, what));
    };
    switch (info.rule) {
      case TypeRule::kDeclared:
        if (i.op == Op::Mask) {
          if (r.kind != ScalarKind::kI1) return mismatch("result must be an i1 mask");
          if (i.mask_lanes < 0 || i.mask_lanes > r.lanes) return mismatch("lane count exceeds the vector");
        } else if (!r.is_f32()) {
          return mismatch("result must be f32");
        }
        if (i.op == Op::LoadBcast && i.mask_lanes) return mismatch("a broadcast load cannot be masked");
        if (i.op == Op::Load && i.mask_lanes && (i.mask_lanes > r.lanes || !r.is_vector()))
          return mismatch(fmt::format("masked {} lanes of a {} value", i.mask_lanes, r.str()));
        return {};
      case TypeRule::kNoResult:
        if (!arg(0).is_f32()) return mismatch("stores f32 values only");
        if (i.mask_lanes && (i.mask_lanes > arg(0).lanes || !arg(0).is_vector()))
          return mismatch(fmt::format("masked {} lanes of a {} value", i.mask_lanes, arg(0).str()));
        return {};
      case TypeRule::kSame:
        for (size_t n = 0; n < i.args.size(); ++n)
          if (arg(n) != r || !r.is_f32())
            return mismatch(fmt::format("operand {} has type {}, result {}", n, arg(n).str(), r.str()));
        return {};
      case TypeRule::kCompare:
        if (!arg(0).is_f32() || arg(0) != arg(1)) return mismatch("operands must be f32 of one type");
        if (r != Type::mask(arg(0).lanes)) return mismatch("result must be " + Type::mask(arg(0).lanes).str());
        return {};
      case TypeRule::kSelect:
        if (!r.is_f32() || arg(1) != r || arg(2) != r || arg(0) != Type::mask(r.lanes))
          return mismatch(fmt::format("expects ({}, {}, {})", Type::mask(r.lanes).str(), r.str(), r.str()));
        return {};
      case TypeRule::kSplat:
        if (arg(0) != Type::f32() || !r.is_f32()) return mismatch("splats an f32 scalar into an f32 vector");
        return {};
      case TypeRule::kReduce:
        if (!arg(0).is_f32() || r != Type::f32()) return mismatch("reduces an f32 vector to an f32 scalar");
        return {};
    }
    return {};
  }

  Status access(const Inst& i, bool reachable) const {
    std::string op(op_info(i.op).name);
    if (i.buffer < 0 || static_cast<size_t>(i.buffer) >= k_.buffers.size())
      return error(i.loc, fmt::format("'{}' of an unknown buffer", op));
    const Buffer& b = k_.buffer(i.buffer);
    if (i.op == Op::Store && b.read_only())
      return error(i.loc, fmt::format("store to {} buffer %{}", buffer_kind_name(b.kind), b.name));
    if (i.index.size() != b.shape.size())
      return error(i.loc, fmt::format("%{} has {} dimensions but is indexed with {}", b.name, b.shape.size(),
                                      i.index.size()));
    Type t = i.op == Op::Store ? k_.type_of(i.args[0]) : k_.type_of(i.result);
    int64_t extent = i.op == Op::LoadBcast ? 1 : (i.mask_lanes ? i.mask_lanes : t.lanes);
    if (extent > 1 && b.shape.empty()) return error(i.loc, "vector access to a rank-0 buffer");
    for (size_t d = 0; d < i.index.size(); ++d) {
      Range r{i.index[d].constant, i.index[d].constant};
      for (const AffineTerm& term : i.index[d].terms) {
        if (!valid_id(term.iv) || k_.type_of(term.iv).kind != ScalarKind::kIndex ||
            !visible_[static_cast<size_t>(term.iv)])
          return error(i.loc, fmt::format("index of %{} uses {} which is not an enclosing induction variable",
                                          b.name, valid_id(term.iv) ? name(term.iv) : "an unknown value"));
        Range iv = ranges_[static_cast<size_t>(term.iv)];
        int64_t a = 0, b2 = 0;
        // Exact arithmetic or a refusal: a bound that wraps would prove an access in range that is not.
        if (__builtin_mul_overflow(term.coeff, iv.lo, &a) || __builtin_mul_overflow(term.coeff, iv.hi, &b2) ||
            __builtin_add_overflow(r.lo, std::min(a, b2), &r.lo) ||
            __builtin_add_overflow(r.hi, std::max(a, b2), &r.hi))
          return error(i.loc, fmt::format("'{}' of %{}: index {} ({}) overflows 64 bits", op, b.name, d,
                                          print_affine(k_, i.index[d])));
      }
      if (d + 1 == i.index.size() && __builtin_add_overflow(r.hi, extent - 1, &r.hi))
        return error(i.loc, fmt::format("'{}' of %{}: index {} overflows 64 bits", op, b.name, d));
      if (reachable && (r.lo < 0 || r.hi >= b.shape[d]))
        return error(i.loc, fmt::format("'{}' of %{} out of bounds: index {} ({}) spans [{}, {}] in a dimension of "
                                        "size {}",
                                        op, b.name, d, print_affine(k_, i.index[d]), r.lo, r.hi, b.shape[d]));
    }
    return {};
  }

  const Kernel& k_;
  bool param_data_;
  std::vector<bool> visible_;
  std::vector<bool> defined_;
  std::vector<Range> ranges_;
};

}  // namespace

Status verify(const Kernel& k) { return Verifier(k, true).run(); }
Status verify_without_param_data(const Kernel& k) { return Verifier(k, false).run(); }

}  // namespace njc::loop
