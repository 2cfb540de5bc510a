// Op table lookups and the Graph container.
#include "ir/graph.h"

#include "ir/assert.h"

namespace njc {

namespace {
constexpr OpInfo kOps[] = {
#define NJC_GRAPH_OP(Enum, Name, MinIn, MaxIn, MinOut, MaxOut, Class) \
  {OpKind::Enum, Name, MinIn, MaxIn, MinOut, MaxOut, OpClass::Class},
#include "ir/graph_ops.def"
};

struct AttrDecl {
  OpKind op;
  std::string_view name;
  AttrKind kind;
};
constexpr AttrDecl kAttrs[] = {
#define NJC_GRAPH_ATTR(Op, Name, Kind) {OpKind::Op, Name, AttrKind::Kind},
#include "ir/graph_attrs.def"
};

template <class T>
const T* find_attr(const Node& n, std::string_view name) {
  auto it = n.attrs.find(std::string(name));
  if (it == n.attrs.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  NJC_ASSERT(v, "attribute '" + std::string(name) + "' has an unexpected kind");
  return v;
}
}  // namespace

const OpInfo& op_info(OpKind kind) {
  return kOps[static_cast<size_t>(kind)];
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (const OpInfo& info : kOps)
    if (info.name == name) return info.kind;
  return std::nullopt;
}

std::vector<OpKind> all_ops() {
  std::vector<OpKind> ops;
  for (const OpInfo& info : kOps) ops.push_back(info.kind);
  return ops;
}

std::string_view attr_kind_name(AttrKind kind) {
  switch (kind) {
    case AttrKind::Int:
      return "an int";
    case AttrKind::Float:
      return "a float";
    case AttrKind::String:
      return "a string";
    case AttrKind::Ints:
      return "a list of ints";
    case AttrKind::Floats:
      return "a list of floats";
    case AttrKind::Strings:
      return "a list of strings";
  }
  NJC_UNREACHABLE("bad AttrKind");
}

AttrKind attr_kind_of(const AttrValue& v) {
  return static_cast<AttrKind>(v.index());
}

std::optional<AttrKind> declared_attr_kind(OpKind op, std::string_view name) {
  for (const AttrDecl& a : kAttrs)
    if (a.op == op && a.name == name) return a.kind;
  return std::nullopt;
}

std::vector<std::string_view> declared_attr_names(OpKind op) {
  std::vector<std::string_view> names;
  for (const AttrDecl& a : kAttrs)
    if (a.op == op) names.push_back(a.name);
  return names;
}

ValueId Graph::add_value(std::string name, Shape shape, ValueKind kind) {
  NJC_ASSERT(!by_name_.count(name), "value '" + name + "' defined twice");
  ValueId id = static_cast<ValueId>(values.size());
  by_name_.emplace(name, id);
  values.push_back(ValueInfo{std::move(name), std::move(shape), kind, -1});
  return id;
}

ValueId Graph::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? kNoValue : it->second;
}

const std::vector<float>& Graph::data_of(ValueId param) const {
  auto it = param_data.find(param);
  NJC_ASSERT(it != param_data.end(), "value is not a param with data");
  return it->second;
}

int64_t attr_int(const Node& n, std::string_view name, int64_t dflt) {
  const int64_t* v = find_attr<int64_t>(n, name);
  return v ? *v : dflt;
}

double attr_float(const Node& n, std::string_view name, double dflt) {
  auto it = n.attrs.find(std::string(name));
  if (it == n.attrs.end()) return dflt;
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  const double* v = std::get_if<double>(&it->second);
  NJC_ASSERT(v, "attribute '" + std::string(name) + "' is not a float");
  return *v;
}

std::string attr_string(const Node& n, std::string_view name, std::string dflt) {
  const std::string* v = find_attr<std::string>(n, name);
  return v ? *v : dflt;
}

std::optional<std::vector<int64_t>> attr_ints(const Node& n, std::string_view name) {
  const auto* v = find_attr<std::vector<int64_t>>(n, name);
  if (!v) return std::nullopt;
  return *v;
}

std::optional<std::vector<std::string>> attr_strings(const Node& n, std::string_view name) {
  const auto* v = find_attr<std::vector<std::string>>(n, name);
  if (!v) return std::nullopt;
  return *v;
}

}  // namespace njc
