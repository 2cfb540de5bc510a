// LaneWidener: scalar instructions onto vector lanes (passes/lane_widener.h).
#include "passes/lane_widener.h"

namespace njc::passes {

using namespace loop;

Inst LaneWidener::widen(Inst in, ValueId iv, int mask, std::unordered_map<ValueId, ValueId>& values) {
  for (ValueId& a : in.args) {
    auto it = values.find(a);
    a = it != values.end() ? it->second : outside(a);
  }
  bool uniform = !in.index.empty() && !in.index.back().uses(iv);
  if (in.op == Op::Load || in.op == Op::LoadBcast) {
    in.op = uniform ? Op::LoadBcast : Op::Load;
    in.mask_lanes = uniform ? 0 : mask;
  }
  if (in.op == Op::Store) in.mask_lanes = mask;
  if (in.result != kNoValue) {
    ValueId nv = k_.copy_value(in.result, widened(k_.type_of(in.result)));
    values[in.result] = nv;
    in.result = nv;
  }
  return in;
}

ValueId LaneWidener::outside(ValueId v) {
  if (auto it = splats_.find(v); it != splats_.end()) return it->second;
  Inst s;
  s.op = Op::Splat;
  s.args = {v};
  s.result = k_.new_value("splat", widened(k_.type_of(v)));
  pre_.push_back(Stmt(s));
  return splats_[v] = s.result;
}

}  // namespace njc::passes
