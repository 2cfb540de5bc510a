// Graph verifier: every structural rule of the graph IR in one place.
#include "ir/graph_verifier.h"

#include <cmath>
#include <unordered_map>

#include "ir/shape_inference.h"

namespace njc {

namespace {
Diag at(std::string pointer, std::string message) {
  Diag d;
  d.pointer = std::move(pointer);
  d.message = std::move(message);
  return d;
}

Status verify_sources(const Graph& g) {
  for (size_t i = 0; i < g.params.size(); ++i) {
    ValueId p = g.params[i];
    auto it = g.param_data.find(p);
    std::string where = "/params/" + std::to_string(i);
    if (it == g.param_data.end()) return at(where, "param '" + g.value(p).name + "' has no data");
    if (static_cast<int64_t>(it->second.size()) != num_elements(g.value(p).shape))
      return at(where, "param '" + g.value(p).name + "' has " + std::to_string(it->second.size()) +
                           " values but its shape " + shape_to_string(g.value(p).shape) + " needs " +
                           std::to_string(num_elements(g.value(p).shape)));
    for (size_t k = 0; k < it->second.size(); ++k)
      if (!std::isfinite(it->second[k]))
        return at(where,
                  "param '" + g.value(p).name + "' has a non-finite value at index " + std::to_string(k));
  }
  for (size_t i = 0; i < g.states.size(); ++i) {
    const StateInfo& st = g.states[i];
    const std::string& name = g.value(st.value).name;
    std::string where = "/states/" + std::to_string(i);
    int64_t want = num_elements(g.value(st.value).shape);
    if (!st.initial.empty() && static_cast<int64_t>(st.initial.size()) != want)
      return at(where, "state '" + name + "' has " + std::to_string(st.initial.size()) +
                           " initial values but its shape " + shape_to_string(g.value(st.value).shape) +
                           " needs " + std::to_string(want));
    for (size_t k = 0; k < st.initial.size(); ++k)
      if (!std::isfinite(st.initial[k]))
        return at(where, "state '" + name + "' has a non-finite initial value at index " + std::to_string(k));
  }
  if (g.batch < 1) return at("/batch", "batch must be >= 1");
  return Status::ok();
}

Status verify_node(const Graph& g, size_t index, std::vector<bool>& defined) {
  const Node& n = g.nodes[index];
  std::string where = "/nodes/" + std::to_string(index);
  const OpInfo& info = op_info(n.op);
  std::vector<const Shape*> shapes;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    ValueId v = n.inputs[i];
    if (v == kNoValue) {
      shapes.push_back(nullptr);
      continue;
    }
    if (v < 0 || static_cast<size_t>(v) >= g.values.size() || !defined[static_cast<size_t>(v)])
      return at(where + "/inputs/" + std::to_string(i), "input is used before it is defined");
    shapes.push_back(&g.value(v).shape);
  }
  int outs = static_cast<int>(n.outputs.size());
  if (outs < info.min_outputs || outs > info.max_outputs)
    return at(where + "/outputs", std::string(info.name) + " has " + std::to_string(info.max_outputs) +
                                      " outputs at most (and " + std::to_string(info.min_outputs) +
                                      " at least), got " + std::to_string(outs));
  auto inferred = infer_shapes(n, shapes);
  if (!inferred) {
    Diag d = inferred.error();
    d.pointer = where + d.pointer;
    return d;
  }
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    ValueId v = n.outputs[i];
    if (v == kNoValue) continue;
    const ValueInfo& info_v = g.value(v);
    if (defined[static_cast<size_t>(v)] || info_v.producer != static_cast<int32_t>(index))
      return at(where + "/outputs/" + std::to_string(i),
                "value '" + info_v.name + "' is defined more than once");
    if (info_v.shape != (*inferred)[i])
      return at(where + "/outputs/" + std::to_string(i),
                "value '" + info_v.name + "' is declared " + shape_to_string(info_v.shape) + " but " +
                    std::string(op_info(n.op).name) + " produces " + shape_to_string((*inferred)[i]));
    defined[static_cast<size_t>(v)] = true;
  }
  return Status::ok();
}
}  // namespace

Status verify_graph(const Graph& g) {
  if (Status s = verify_sources(g); !s) return s;
  std::vector<bool> defined(g.values.size(), false);
  for (ValueId v : g.inputs) defined[static_cast<size_t>(v)] = true;
  for (ValueId v : g.params) defined[static_cast<size_t>(v)] = true;
  for (const StateInfo& s : g.states) defined[static_cast<size_t>(s.value)] = true;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (Status s = verify_node(g, i, defined); !s) return s;
  std::unordered_map<ValueId, size_t> first_with_next;  // a next value -> the first state that takes it
  for (size_t i = 0; i < g.states.size(); ++i) {
    const StateInfo& s = g.states[i];
    if (s.next == kNoValue) continue;
    std::string where = "/states/" + std::to_string(i) + "/next";
    if (!defined[static_cast<size_t>(s.next)]) return at(where, "the next value of a state is never defined");
    if (g.value(s.next).shape != g.value(s.value).shape)
      return at(where, "state '" + g.value(s.value).name + "' is " + shape_to_string(g.value(s.value).shape) +
                           " but its next value '" + g.value(s.next).name + "' is " +
                           shape_to_string(g.value(s.next).shape));
    if (auto [it, fresh] = first_with_next.try_emplace(s.next, i); !fresh)
      return at(where, "states '" + g.value(g.states[it->second].value).name + "' and '" +
                           g.value(s.value).name + "' have the same next value '" + g.value(s.next).name +
                           "'");
  }
  if (g.outputs.empty()) return at("/outputs", "a model needs at least one output");
  for (size_t i = 0; i < g.outputs.size(); ++i)
    if (!defined[static_cast<size_t>(g.outputs[i])])
      return at("/outputs/" + std::to_string(i),
                "output '" + g.value(g.outputs[i]).name + "' is never defined");
  return Status::ok();
}

AttrValue coerce_attribute(AttrValue v, AttrKind want) {
  AttrKind have = attr_kind_of(v);
  if (have == want) return v;
  if (have == AttrKind::Int && want == AttrKind::Float) return static_cast<double>(std::get<int64_t>(v));
  if (have == AttrKind::Ints) {
    const auto& ints = std::get<std::vector<int64_t>>(v);
    if (want == AttrKind::Floats) return std::vector<double>(ints.begin(), ints.end());
    if (want == AttrKind::Strings && ints.empty()) return std::vector<std::string>{};
  }
  return v;
}

}  // namespace njc
