// Appends nodes to a Graph under construction, inferring each result's shape as it goes, and hands out
// fresh names for the values a layer op introduces.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "ir/diag.h"
#include "ir/graph.h"

namespace njc {

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& g) : g_(g) {}
  // Names the model defines later: fresh_name never hands them out.
  void reserve(const std::string& name) { reserved_.insert(name); }
  Graph& graph() { return g_; }

  // Appends `op` and defines its outputs: names[i] for output i ("" = an internal name derived from
  // `hint`; kSkip = not bound). Fails with shape inference's Diag (pointer relative to the node) or when
  // a given name is already defined (pointer "/outputs/i").
  Expected<std::vector<ValueId>> add(OpKind op, std::vector<ValueId> inputs, Attributes attrs,
                                     std::vector<std::string> names, const std::string& hint);

  // Single-output convenience form of add().
  Expected<ValueId> add1(OpKind op, std::vector<ValueId> inputs, Attributes attrs, const std::string& name,
                         const std::string& hint);

  // Adds a constant param (e.g. an epsilon) under a fresh internal name.
  ValueId constant(const std::string& hint, Shape shape, std::vector<float> data);

  // A name not yet used in the graph: hint, then hint.1, hint.2, ...
  std::string fresh_name(const std::string& hint) const;

  static inline const std::string kSkip = "\x01skip";

 private:
  Graph& g_;
  std::unordered_set<std::string> reserved_;
};

}  // namespace njc
