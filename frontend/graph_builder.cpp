// Node construction with on-the-fly shape inference.
#include "frontend/graph_builder.h"

#include "ir/shape_inference.h"

namespace njc {

std::string GraphBuilder::fresh_name(const std::string& hint) const {
  auto free = [this](const std::string& name) { return g_.find(name) == kNoValue && !reserved_.count(name); };
  if (free(hint)) return hint;
  for (int i = 1;; ++i) {
    std::string name = hint + "." + std::to_string(i);
    if (free(name)) return name;
  }
}

Expected<std::vector<ValueId>> GraphBuilder::add(OpKind op, std::vector<ValueId> inputs, Attributes attrs,
                                                 std::vector<std::string> names, const std::string& hint) {
  Node n{op, std::move(inputs), {}, std::move(attrs)};
  std::vector<const Shape*> shapes;
  for (ValueId v : n.inputs) shapes.push_back(v == kNoValue ? nullptr : &g_.value(v).shape);
  // Shape inference needs to know how many outputs are bound before it runs (it checks the count).
  auto inferred = infer_shapes(n, shapes);
  if (!inferred) return inferred.error();
  const OpInfo& info = op_info(op);
  if (static_cast<int>(names.size()) > info.max_outputs) {
    Diag d;
    d.pointer = "/outputs";
    d.message = std::string(info.name) + " has at most " + std::to_string(info.max_outputs) +
                " outputs, got " + std::to_string(names.size());
    return d;
  }
  int32_t index = static_cast<int32_t>(g_.nodes.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kSkip) {
      n.outputs.push_back(kNoValue);
      continue;
    }
    if (!names[i].empty() && g_.find(names[i]) != kNoValue) {
      Diag d;
      d.pointer = "/outputs/" + std::to_string(i);
      d.message = "value '" + names[i] + "' is already defined";
      return d;
    }
    std::string name = names[i].empty() ? fresh_name(hint) : names[i];
    ValueId v = g_.add_value(name, (*inferred)[i], ValueKind::Result);
    g_.value(v).producer = index;
    n.outputs.push_back(v);
  }
  g_.nodes.push_back(std::move(n));
  return g_.nodes.back().outputs;
}

Expected<ValueId> GraphBuilder::add1(OpKind op, std::vector<ValueId> inputs, Attributes attrs,
                                     const std::string& name, const std::string& hint) {
  auto outs = add(op, std::move(inputs), std::move(attrs), {name}, hint);
  if (!outs) return outs.error();
  return (*outs)[0];
}

ValueId GraphBuilder::constant(const std::string& hint, Shape shape, std::vector<float> data) {
  ValueId v = g_.add_value(fresh_name(hint), std::move(shape), ValueKind::Param);
  g_.params.push_back(v);
  g_.param_data[v] = std::move(data);
  return v;
}

}  // namespace njc
