// Printer of the graph IR text form.
//
//   graph @mlp batch 1 {
//     input %x : [1, 32]
//     state %h : [1, 64]
//     param %w : [64, 32] = [0.5, -1.25, ...]
//     %y = Gemm(%x, %w, %b) {transB = 1} : [1, 64]
//     next %h = %y
//     output %y
//   }
#include "ir/graph_printer.h"

#include <fmt/format.h>

namespace njc {

namespace {
bool is_bare_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

std::string quote_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string value_ref(const Graph& g, ValueId v) {
  return v == kNoValue ? "_" : quote_name('%', g.value(v).name);
}

template <class T, class F>
std::string join(const std::vector<T>& items, F&& text) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + text(items[i]);
  return out;
}

std::string attr_text(const AttrValue& v) {
  struct Visitor {
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return float_text(d, false); }
    std::string operator()(const std::string& s) const { return quote_string(s); }
    std::string operator()(const std::vector<int64_t>& l) const {
      return "[" + join(l, [](int64_t i) { return std::to_string(i); }) + "]";
    }
    std::string operator()(const std::vector<double>& l) const {
      return "[" + join(l, [](double d) { return float_text(d, false); }) + "]";
    }
    std::string operator()(const std::vector<std::string>& l) const {
      return "[" + join(l, quote_string) + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

void print_param_data(std::string& out, const std::vector<float>& data) {
  out += " = [";
  for (size_t i = 0; i < data.size(); ++i) {
    if (i) out += (i % 16 == 0) ? ",\n      " : ", ";
    out += float_text(data[i], true);
  }
  out += "]";
}

void print_node(std::string& out, const Graph& g, const Node& n) {
  out += "  " + join(n.outputs, [&](ValueId v) { return value_ref(g, v); });
  out += " = " + std::string(op_info(n.op).name) + "(";
  out += join(n.inputs, [&](ValueId v) { return value_ref(g, v); }) + ")";
  if (!n.attrs.empty()) {
    out += " {";
    bool first = true;
    for (const auto& [name, value] : n.attrs) {
      out += (first ? "" : ", ") + name + " = " + attr_text(value);
      first = false;
    }
    out += "}";
  }
  std::vector<ValueId> bound;
  for (ValueId v : n.outputs)
    if (v != kNoValue) bound.push_back(v);
  out += " : " + join(bound, [&](ValueId v) { return shape_to_string(g.value(v).shape); }) + "\n";
}
}  // namespace

std::string quote_name(char sigil, const std::string& name) {
  return std::string(1, sigil) + (is_bare_name(name) ? name : quote_string(name));
}

std::string float_text(double v, bool single_precision) {
  std::string s = single_precision ? fmt::format("{}", static_cast<float>(v)) : fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // "inf"/"nan" contain 'n'
  return s;
}

std::string print_graph(const Graph& g) {
  std::string out = "graph " + quote_name('@', g.name) + " batch " + std::to_string(g.batch) + " {\n";
  for (ValueId v : g.inputs)
    out += "  input " + value_ref(g, v) + " : " + shape_to_string(g.value(v).shape) + "\n";
  for (const StateInfo& s : g.states) {
    out += "  state " + value_ref(g, s.value) + " : " + shape_to_string(g.value(s.value).shape);
    if (!s.initial.empty()) print_param_data(out, s.initial);
    out += "\n";
  }
  for (ValueId p : g.params) {
    out += "  param " + value_ref(g, p) + " : " + shape_to_string(g.value(p).shape);
    print_param_data(out, g.data_of(p));
    out += "\n";
  }
  for (const Node& n : g.nodes) print_node(out, g, n);
  for (const StateInfo& s : g.states)
    if (s.next != kNoValue) out += "  next " + value_ref(g, s.value) + " = " + value_ref(g, s.next) + "\n";
  for (ValueId v : g.outputs) out += "  output " + value_ref(g, v) + "\n";
  return out + "}\n";
}

}  // namespace njc
