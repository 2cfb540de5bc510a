// Parser of the graph IR text form (see graph_printer.cpp for an example, docs/graph-ir.md for the
// grammar). Builds the Graph, then runs the verifier and maps its findings back to source positions.
#include <cerrno>
#include <cstdlib>

#include "ir/graph_printer.h"
#include "ir/graph_verifier.h"
#include "ir/memory_budget.h"
#include "ir/text_lexer.h"

namespace njc {

namespace {

class GraphParser {
 public:
  GraphParser(std::vector<Token> toks, const std::string& file) : cur_(std::move(toks), file) {}

  Expected<Graph> parse() {
    if (Status s = parse_header(); !s) return s.error();
    while (!cur_.accept_punct("}")) {
      if (cur_.peek().kind == TokKind::End) return cur_.error_here("expected '}' to close the graph");
      if (Status s = parse_decl(); !s) return s.error();
    }
    if (cur_.peek().kind != TokKind::End) return cur_.error_here("unexpected text after the graph");
    if (std::string why = over_budget(g_, kDefaultMemoryBudget); !why.empty()) return cur_.error_at(batch_, why);
    if (Status s = verify_graph(g_); !s) return locate(s.error());
    return std::move(g_);
  }

 private:
  TokenCursor cur_;
  Token batch_;  // where the batch is given: the place of a model-wide error
  Graph g_;
  std::map<std::string, Token> where_;  // verifier pointer prefix -> the token that starts it

  Status parse_header() {
    if (Status s = cur_.expect_ident("graph"); !s) return s;
    auto name = cur_.expect(TokKind::Symbol, "the graph's @name");
    if (!name) return name.error();
    g_.name = name->text;
    if (Status s = cur_.expect_ident("batch"); !s) return s;
    const Token at = batch_ = cur_.peek();
    auto batch = parse_int();
    if (!batch) return batch.error();
    if (*batch < 1 || *batch > kMaxBatch)
      return cur_.error_at(at, "batch must be between 1 and " + std::to_string(kMaxBatch) + ", got " +
                                   std::to_string(*batch));
    g_.batch = *batch;
    return cur_.expect_punct("{");
  }

  Expected<int64_t> parse_int() {
    auto t = cur_.expect(TokKind::Int, "an integer");
    if (!t) return t.error();
    if (t->kind != TokKind::Int) return cur_.error_at(*t, "expected an integer, found '" + t->text + "'");
    errno = 0;
    long long v = std::strtoll(t->text.c_str(), nullptr, 10);
    if (errno) return cur_.error_at(*t, "integer '" + t->text + "' is out of range");
    return static_cast<int64_t>(v);
  }

  Expected<double> parse_number() {
    auto t = cur_.expect(TokKind::Float, "a number");
    if (!t) return t.error();
    return std::strtod(t->text.c_str(), nullptr);
  }

  Expected<Shape> parse_shape() {
    Shape shape;
    if (Status s = cur_.expect_punct("["); !s) return s.error();
    while (!cur_.accept_punct("]")) {
      if (!shape.empty())
        if (Status s = cur_.expect_punct(","); !s) return s.error();
      const Token& t = cur_.peek();
      auto d = parse_int();
      if (!d) return d.error();
      if (*d < 1) return cur_.error_at(t, "dimensions must be >= 1");
      if (shape.size() == kMaxRank)
        return cur_.error_at(t, "a shape has at most " + std::to_string(kMaxRank) + " dimensions");
      shape.push_back(*d);
      if (!shape_within_limits(shape)) return cur_.error_at(t, "the shape has more than 2^28 elements");
    }
    return shape;
  }

  Expected<ValueId> define(const Token& t, Shape shape, ValueKind kind) {
    if (g_.find(t.text) != kNoValue) return cur_.error_at(t, "value '%" + t.text + "' is defined twice");
    return g_.add_value(t.text, std::move(shape), kind);
  }

  Expected<ValueId> use() {
    if (cur_.peek().kind == TokKind::Ident && cur_.peek().text == "_") {
      cur_.next();
      return kNoValue;
    }
    auto t = cur_.expect(TokKind::Value, "a %value");
    if (!t) return t.error();
    ValueId v = g_.find(t->text);
    if (v == kNoValue) return cur_.error_at(*t, "value '%" + t->text + "' is not defined");
    return v;
  }

  Status parse_source(ValueKind kind) {
    Token start = cur_.next();
    auto name = cur_.expect(TokKind::Value, "a %value");
    if (!name) return name.error();
    if (Status s = cur_.expect_punct(":"); !s) return s;
    auto shape = parse_shape();
    if (!shape) return shape.error();
    auto v = define(*name, *shape, kind);
    if (!v) return v.error();
    if (kind == ValueKind::Input) g_.inputs.push_back(*v);
    if (kind == ValueKind::State) {
      where_["/states/" + std::to_string(g_.states.size())] = start;
      g_.states.push_back(StateInfo{*v, kNoValue, {}});
      if (cur_.at_punct("=")) {  // an initial value: `state %h : [2] = [0.5, -1.0]`
        auto data = parse_number_list();
        if (!data) return data.error();
        g_.states.back().initial = std::move(*data);
      }
    }
    if (kind == ValueKind::Param) {
      where_["/params/" + std::to_string(g_.params.size())] = start;
      g_.params.push_back(*v);
      return parse_param_data(*v);
    }
    return Status::ok();
  }

  Status parse_param_data(ValueId v) {
    auto data = parse_number_list();
    if (!data) return data.error();
    g_.param_data[v] = std::move(*data);
    return Status::ok();
  }

  // `= [x, y, ...]`: a param's data or a state's initial value.
  Expected<std::vector<float>> parse_number_list() {
    if (Status s = cur_.expect_punct("="); !s) return s.error();
    if (Status s = cur_.expect_punct("["); !s) return s.error();
    std::vector<float> data;
    while (!cur_.accept_punct("]")) {
      if (!data.empty())
        if (Status s = cur_.expect_punct(","); !s) return s.error();
      auto x = parse_number();
      if (!x) return x.error();
      data.push_back(static_cast<float>(*x));
    }
    return data;
  }

  Expected<AttrValue> parse_attr_value() {
    const Token& t = cur_.peek();
    if (t.kind == TokKind::String) return AttrValue(cur_.next().text);
    if (t.kind == TokKind::Int) {
      auto i = parse_int();
      if (!i) return i.error();
      return AttrValue(*i);
    }
    if (t.kind == TokKind::Float) return AttrValue(std::strtod(cur_.next().text.c_str(), nullptr));
    if (!cur_.accept_punct("[")) return cur_.error_here("expected an attribute value");
    std::vector<Token> items;
    while (!cur_.accept_punct("]")) {
      if (!items.empty())
        if (Status s = cur_.expect_punct(","); !s) return s.error();
      const Token& item = cur_.peek();
      if (item.kind != TokKind::Int && item.kind != TokKind::Float && item.kind != TokKind::String)
        return cur_.error_here("expected a list element");
      if (!items.empty() && (item.kind == TokKind::String) != (items[0].kind == TokKind::String))
        return cur_.error_here("a list mixes strings and numbers");
      items.push_back(cur_.next());
    }
    return list_value(items);
  }

  static AttrValue list_value(const std::vector<Token>& items) {
    bool strings = !items.empty() && items[0].kind == TokKind::String;
    bool floats = false;
    for (const Token& t : items) floats |= t.kind == TokKind::Float;
    if (strings) {
      std::vector<std::string> out;
      for (const Token& t : items) out.push_back(t.text);
      return out;
    }
    if (floats) {
      std::vector<double> out;
      for (const Token& t : items) out.push_back(std::strtod(t.text.c_str(), nullptr));
      return out;
    }
    std::vector<int64_t> out;
    for (const Token& t : items) out.push_back(std::strtoll(t.text.c_str(), nullptr, 10));
    return out;
  }

  Status parse_attributes(Node& n) {
    if (!cur_.accept_punct("{")) return Status::ok();
    while (!cur_.accept_punct("}")) {
      if (!n.attrs.empty())
        if (Status s = cur_.expect_punct(","); !s) return s;
      auto name = cur_.expect(TokKind::Ident, "an attribute name");
      if (!name) return name.error();
      if (n.attrs.count(name->text))
        return cur_.error_at(*name, "attribute '" + name->text + "' is given twice");
      if (Status s = cur_.expect_punct("="); !s) return s;
      auto value = parse_attr_value();
      if (!value) return value.error();
      auto kind = declared_attr_kind(n.op, name->text);
      n.attrs[name->text] = kind ? coerce_attribute(*value, *kind) : *value;
    }
    return Status::ok();
  }

  Status parse_node() {
    Token start = cur_.peek();
    std::vector<Token> outs;
    do {
      if (cur_.peek().kind == TokKind::Ident && cur_.peek().text == "_")
        outs.push_back(cur_.next());
      else {
        auto t = cur_.expect(TokKind::Value, "a %value");
        if (!t) return t.error();
        outs.push_back(*t);
      }
    } while (cur_.accept_punct(","));
    if (Status s = cur_.expect_punct("="); !s) return s;
    auto op_tok = cur_.expect(TokKind::Ident, "an op name");
    if (!op_tok) return op_tok.error();
    auto op = op_from_name(op_tok->text);
    if (!op) return cur_.error_at(*op_tok, "unknown op '" + op_tok->text + "'");
    Node n{*op, {}, {}, {}};
    if (Status s = cur_.expect_punct("("); !s) return s;
    while (!cur_.accept_punct(")")) {
      if (!n.inputs.empty())
        if (Status s = cur_.expect_punct(","); !s) return s;
      auto v = use();
      if (!v) return v.error();
      n.inputs.push_back(*v);
    }
    if (Status s = parse_attributes(n); !s) return s;
    if (Status s = cur_.expect_punct(":"); !s) return s;
    size_t index = g_.nodes.size();
    bool first_shape = true;
    for (const Token& out : outs) {
      if (out.kind != TokKind::Value) {
        n.outputs.push_back(kNoValue);
        continue;
      }
      if (!first_shape)
        if (Status s = cur_.expect_punct(","); !s) return s;
      first_shape = false;
      auto shape = parse_shape();
      if (!shape) return shape.error();
      auto v = define(out, *shape, ValueKind::Result);
      if (!v) return v.error();
      g_.value(*v).producer = static_cast<int32_t>(index);
      n.outputs.push_back(*v);
    }
    where_["/nodes/" + std::to_string(index)] = start;
    g_.nodes.push_back(std::move(n));
    return Status::ok();
  }

  Status parse_next() {
    Token start = cur_.next();
    auto state = use();
    if (!state) return state.error();
    if (Status s = cur_.expect_punct("="); !s) return s;
    auto next = use();
    if (!next) return next.error();
    for (size_t i = 0; i < g_.states.size(); ++i) {
      if (g_.states[i].value != *state) continue;
      if (g_.states[i].next != kNoValue)
        return cur_.error_at(start, "this state's next value is already set");
      g_.states[i].next = *next;
      where_["/states/" + std::to_string(i) + "/next"] = start;
      return Status::ok();
    }
    return cur_.error_at(start, "'next' names a value that is not a state");
  }

  Status parse_decl() {
    if (cur_.at_ident("input")) return parse_source(ValueKind::Input);
    if (cur_.at_ident("state")) return parse_source(ValueKind::State);
    if (cur_.at_ident("param")) return parse_source(ValueKind::Param);
    if (cur_.at_ident("next")) return parse_next();
    if (cur_.at_ident("output")) {
      Token start = cur_.next();
      auto v = use();
      if (!v) return v.error();
      if (*v == kNoValue) return cur_.error_at(start, "an output must name a value");
      where_["/outputs/" + std::to_string(g_.outputs.size())] = start;
      g_.outputs.push_back(*v);
      return Status::ok();
    }
    return parse_node();
  }

  // Maps a verifier pointer such as "/nodes/3/inputs/1" to the line of the node it is in.
  Diag locate(Diag d) const {
    std::string best;
    for (const auto& [prefix, tok] : where_)
      if (d.pointer.compare(0, prefix.size(), prefix) == 0 && prefix.size() > best.size()) best = prefix;
    d.file = cur_.file();
    if (!best.empty()) {
      d.line = where_.at(best).line;
      d.col = where_.at(best).col;
    }
    d.pointer.clear();  // the text form has no JSON pointers; the position says it all
    return d;
  }
};

}  // namespace

Expected<Graph> parse_graph(const std::string& text, const std::string& file_name) {
  auto toks = lex_ir_text(text, file_name);
  if (!toks) return toks.error();
  return GraphParser(std::move(*toks), file_name).parse();
}

}  // namespace njc
