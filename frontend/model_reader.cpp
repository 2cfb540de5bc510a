// Model format v1 reader: top-level structure, declarations, node ordering and graph construction.
#include "frontend/model_reader.h"

#include <cctype>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "frontend/file_reader.h"
#include "frontend/graph_builder.h"
#include "frontend/json_fields.h"
#include "frontend/layer_ops.h"
#include "frontend/param_sources.h"
#include "frontend/rtneural_import.h"
#include "ir/graph_verifier.h"

namespace njc {

namespace {

using json = nlohmann::json;

constexpr const char* kFormatTag = "njc-model";
constexpr int64_t kFormatVersion = 1;

class ModelReader {
 public:
  ModelReader(const JsonDocument& doc, WeightFiles files, int64_t memory_budget)
      : doc_(doc), files_(std::move(files)), memory_budget_(memory_budget), b_(g_) {}

  Expected<Graph> read() {
    auto root = JsonObject::at(doc_, doc_.root(), "", "a model");
    if (!root) return root.error();
    for (auto step : {&ModelReader::read_header, &ModelReader::declare_names, &ModelReader::read_inputs,
                      &ModelReader::read_params, &ModelReader::read_states, &ModelReader::read_nodes,
                      &ModelReader::read_state_updates, &ModelReader::read_outputs})
      if (Status s = (this->*step)(*root); !s) return s.error();
    if (std::string why = over_budget(g_, memory_budget_); !why.empty())
      return doc_.error_at(g_.batch > 1 ? "/batch" : "", why);
    if (Status s = verify_graph(g_); !s)  // everything was checked on the way; this is a safety net
      return doc_.error_at("", "internal: the model reader built an invalid graph: " + s.error().message);
    return std::move(g_);
  }

 private:
  const JsonDocument& doc_;
  WeightFiles files_;
  int64_t memory_budget_;
  Graph g_;
  GraphBuilder b_;
  std::unordered_map<std::string, std::string> declared_at_;  // name -> pointer of its definition

  // Iterates the array member `key` (absent = empty), calling fn(object, pointer) for each element.
  template <class F>
  Status each(const JsonObject& root, const char* key, const char* what, F&& fn) {
    if (!root.has(key)) return Status::ok();
    const json& arr = root.get(key);
    if (!arr.is_array()) return root.error(key, std::string("'") + key + "' must be an array");
    for (size_t i = 0; i < arr.size(); ++i) {
      auto o = JsonObject::at(doc_, arr[i], JsonDocument::child(root.pointer_of(key), i), what);
      if (!o) return o.error();
      if (Status s = fn(*o, i); !s) return s;
    }
    return Status::ok();
  }

  Status read_header(const JsonObject& root) {
    if (Status s = root.check_keys({"format", "version", "name", "description", "batch", "inputs", "outputs",
                                    "params", "states", "nodes"});
        !s)
      return s;
    auto format = root.required_string("format");
    if (!format) return format.error();
    if (*format != kFormatTag)
      return root.error("format",
                        "'format' must be \"" + std::string(kFormatTag) + "\", got \"" + *format + "\"");
    if (!root.has("version")) return root.error("missing required key 'version'");
    auto version = root.optional_int("version", 0, INT64_MIN, INT64_MAX);
    if (!version) return version.error();
    if (*version != kFormatVersion)
      return root.error("version", "unsupported format version " + std::to_string(*version) +
                                       " (this njc reads version " + std::to_string(kFormatVersion) + ")");
    auto name = root.optional_string("name", "model");
    if (!name) return name.error();
    if (name->empty()) return root.error("name", "'name' must not be empty");
    auto description = root.optional_string("description", "");
    if (!description) return description.error();
    auto batch = root.optional_int("batch", 1, 1, kMaxBatch);
    if (!batch) return batch.error();
    g_.name = *name;
    g_.batch = *batch;
    for (const char* key : {"inputs", "outputs", "nodes"})
      if (!root.has(key)) return root.error("missing required key '" + std::string(key) + "'");
    return Status::ok();
  }

  Status declare(const std::string& name, const std::string& pointer) {
    if (name.empty()) return doc_.error_at(pointer, "a name must not be empty");
    auto [it, fresh] = declared_at_.emplace(name, pointer);
    if (!fresh)
      return doc_.error_at(pointer, "duplicate name '" + name + "' (first defined at " + it->second + ")");
    b_.reserve(name);
    return Status::ok();
  }

  // Collects every defined name first, so duplicates are found wherever they are and internal names
  // never collide with a user's.
  Status declare_names(const JsonObject& root) {
    for (const char* section : {"inputs", "params", "states"}) {
      Status s = each(root, section, "an entry", [&](const JsonObject& o, size_t) -> Status {
        if (!o.has("name")) return o.error("missing required key 'name'");
        if (!o.get("name").is_string()) return o.error("name", "'name' must be a string");
        return declare(o.get("name").get<std::string>(), o.pointer_of("name"));
      });
      if (!s) return s;
    }
    return each(root, "nodes", "a node", [&](const JsonObject& o, size_t) -> Status {
      auto outs = o.string_list("outputs", true);
      if (!outs) return outs.error();
      for (size_t i = 0; i < outs->size(); ++i)
        if (!(*outs)[i].empty())
          if (Status s = declare((*outs)[i], JsonDocument::child(o.pointer_of("outputs"), i)); !s) return s;
      return Status::ok();
    });
  }

  Status read_inputs(const JsonObject& root) {
    return each(root, "inputs", "an input", [&](const JsonObject& o, size_t) -> Status {
      if (Status s = o.check_keys({"name", "shape"}); !s) return s;
      auto shape = o.required_shape("shape");
      if (!shape) return shape.error();
      g_.inputs.push_back(g_.add_value(o.get("name").get<std::string>(), *shape, ValueKind::Input));
      return Status::ok();
    });
  }

  Status read_params(const JsonObject& root) {
    return each(root, "params", "a param", [&](const JsonObject& o, size_t) -> Status {
      if (Status s = o.check_keys({"name", "shape", "data", "file", "offset", "init"}); !s) return s;
      if (o.has("offset") && !o.has("file")) return o.error("offset", "'offset' goes with 'file'");
      auto shape = o.required_shape("shape");
      if (!shape) return shape.error();
      auto data = load_param_data(o, *shape, files_);
      if (!data) return data.error();
      ValueId v = g_.add_value(o.get("name").get<std::string>(), *shape, ValueKind::Param);
      g_.params.push_back(v);
      g_.param_data[v] = std::move(*data);
      return Status::ok();
    });
  }

  Status read_states(const JsonObject& root) {
    return each(root, "states", "a state", [&](const JsonObject& o, size_t) -> Status {
      if (Status s = o.check_keys({"name", "shape", "next", "data", "file", "offset", "init"}); !s) return s;
      if (o.has("offset") && !o.has("file")) return o.error("offset", "'offset' goes with 'file'");
      auto shape = o.required_shape("shape");
      if (!shape) return shape.error();
      // An initial value comes from the same sources as a param's data; without one the state starts at 0.
      std::vector<float> initial;
      int sources = o.has("data") + o.has("file") + o.has("init");
      if (sources > 1)
        return o.error("a state takes at most one of 'data', 'file' or 'init' (found " +
                               std::to_string(sources) + ")");
      if (sources == 1) {
        auto data = load_param_data(o, *shape, files_);
        if (!data) return data.error();
        initial = std::move(*data);
      }
      g_.states.push_back({g_.add_value(o.get("name").get<std::string>(), *shape, ValueKind::State), kNoValue,
                           std::move(initial)});
      return Status::ok();
    });
  }

  Status read_nodes(const JsonObject& root);
  Status build_node(const JsonObject& node);
  Expected<Attributes> onnx_attributes(const JsonObject& node, OpKind op);

  Status read_state_updates(const JsonObject& root) {
    std::unordered_map<ValueId, size_t> first_with_next;  // a next value -> the first state that takes it
    return each(root, "states", "a state", [&](const JsonObject& o, size_t i) -> Status {
      auto next = o.optional_string("next", "");
      if (!next) return next.error();
      if (next->empty()) return Status::ok();
      ValueId v = g_.find(*next);
      if (v == kNoValue) return o.error("next", "unknown value '" + *next + "'");
      StateInfo& s = g_.states[i];
      if (g_.value(v).shape != g_.value(s.value).shape)
        return o.error("next", "state '" + g_.value(s.value).name + "' is " +
                                   shape_to_string(g_.value(s.value).shape) + " but its next value '" +
                                   *next + "' is " + shape_to_string(g_.value(v).shape));
      if (auto [it, fresh] = first_with_next.try_emplace(v, i); !fresh)
        return o.error("next", "states '" + g_.value(g_.states[it->second].value).name + "' and '" +
                                   g_.value(s.value).name + "' have the same next value '" + *next +
                                   "'; give each its own (an Identity node copies a value)");
      s.next = v;
      return Status::ok();
    });
  }

  Status read_outputs(const JsonObject& root) {
    auto names = root.string_list("outputs", false);
    if (!names) return names.error();
    if (names->empty()) return root.error("outputs", "a model needs at least one output");
    std::unordered_set<ValueId> listed;
    for (size_t i = 0; i < names->size(); ++i) {
      std::string p = JsonDocument::child(root.pointer_of("outputs"), i);
      ValueId v = g_.find((*names)[i]);
      if (v == kNoValue) return doc_.error_at(p, "unknown value '" + (*names)[i] + "'");
      if (!listed.insert(v).second) return doc_.error_at(p, "output '" + (*names)[i] + "' is listed twice");
      g_.outputs.push_back(v);
    }
    return Status::ok();
  }
};

// Nodes may be listed in any order: they are built in dependency order (depth first over their inputs),
// and a cycle is an error naming the nodes on it. The walk keeps its own stack, so a long chain listed
// backwards cannot exhaust the machine's.
Status ModelReader::read_nodes(const JsonObject& root) {
  std::vector<JsonObject> nodes;
  std::vector<std::vector<std::string>> inputs;
  std::unordered_map<std::string, size_t> producer;
  Status s = each(root, "nodes", "a node", [&](const JsonObject& o, size_t i) -> Status {
    if (Status st = o.check_keys({"op", "name", "inputs", "outputs", "attributes"}); !st) return st;
    auto ins = o.string_list("inputs", true);
    if (!ins) return ins.error();
    auto outs = o.string_list("outputs", true);  // already checked by declare_names
    for (const std::string& name : *outs)
      if (!name.empty()) producer[name] = i;
    nodes.push_back(o);
    inputs.push_back(std::move(*ins));
    return Status::ok();
  });
  if (!s) return s;
  enum class Mark { None, Active, Done };
  std::vector<Mark> mark(nodes.size(), Mark::None);
  struct Frame {
    size_t node;
    size_t next_input;
  };
  for (size_t start = 0; start < nodes.size(); ++start) {
    if (mark[start] != Mark::None) continue;
    std::vector<Frame> stack{{start, 0}};
    mark[start] = Mark::Active;
    while (!stack.empty()) {
      size_t n = stack.back().node, k = stack.back().next_input++;
      if (k == inputs[n].size()) {
        mark[n] = Mark::Done;
        stack.pop_back();
        if (Status st = build_node(nodes[n]); !st) return st;
        continue;
      }
      const std::string& name = inputs[n][k];
      auto it = producer.find(name);
      if (name.empty() || (it == producer.end() && g_.find(name) != kNoValue)) continue;
      if (it == producer.end())
        return doc_.error_at(JsonDocument::child(nodes[n].pointer_of("inputs"), k),
                             "unknown value '" + name + "'");
      size_t p = it->second;
      if (mark[p] == Mark::Done) continue;
      if (mark[p] == Mark::Active) {
        std::string cycle;
        auto from = std::find_if(stack.begin(), stack.end(), [p](const Frame& f) { return f.node == p; });
        for (auto f = from; f != stack.end(); ++f) cycle += "/nodes/" + std::to_string(f->node) + " -> ";
        return nodes[p].error("the nodes form a cycle: " + cycle + "/nodes/" + std::to_string(p));
      }
      mark[p] = Mark::Active;
      stack.push_back({p, 0});
    }
  }
  return Status::ok();
}

// ONNX's 0/1 int attributes: another value is a mistake, not "true".
bool is_flag_attribute(const std::string& name) {
  static const char* const kFlags[] = {"transA",
                                       "transB",
                                       "allowzero",
                                       "keepdims",
                                       "noop_with_empty_axes",
                                       "select_last_index",
                                       "ceil_mode",
                                       "count_include_pad",
                                       "exclusive",
                                       "reverse",
                                       "linear_before_reset",
                                       "input_forget",
                                       "layout"};
  return std::any_of(std::begin(kFlags), std::end(kFlags), [&](const char* f) { return name == f; });
}

// Float attributes are fp32 in ONNX: 1e300 would become infinity.
bool is_finite_fp32(double v) {
  return std::isfinite(v) && std::fabs(v) <= 3.4028234663852886e38;
}

Expected<Attributes> ModelReader::onnx_attributes(const JsonObject& node, OpKind op) {
  Attributes attrs;
  if (!node.has("attributes")) return attrs;
  auto obj = JsonObject::at(doc_, node.get("attributes"), node.pointer_of("attributes"), "'attributes'");
  if (!obj) return obj.error();
  const json& a = node.get("attributes");
  for (auto it = a.begin(); it != a.end(); ++it) {
    std::string p = obj->pointer_of(it.key().c_str());
    auto kind = declared_attr_kind(op, it.key());
    if (!kind) {
      std::string known;
      for (auto n : declared_attr_names(op)) known += (known.empty() ? "" : ", ") + std::string(n);
      return doc_.error_at(p, "unknown attribute '" + it.key() + "' for " + std::string(op_info(op).name) +
                                  (known.empty() ? " (it takes none)" : " (it takes: " + known + ")"));
    }
    const json& v = it.value();
    auto bad = [&] {
      return doc_.error_at(p, "attribute '" + it.key() + "' must be " + std::string(attr_kind_name(*kind)));
    };
    auto all = [&](auto pred) { return v.is_array() && std::all_of(v.begin(), v.end(), pred); };
    switch (*kind) {
      case AttrKind::Int:
        if (!v.is_number_integer()) return bad();
        if (is_flag_attribute(it.key()) && v.get<int64_t>() != 0 && v.get<int64_t>() != 1)
          return doc_.error_at(p, "attribute '" + it.key() + "' must be 0 or 1, got " + v.dump());
        attrs[it.key()] = v.get<int64_t>();
        break;
      case AttrKind::Float:
        if (!v.is_number()) return bad();
        if (!is_finite_fp32(v.get<double>()))
          return doc_.error_at(p,
                               "attribute '" + it.key() + "' must be a finite fp32 number, got " + v.dump());
        attrs[it.key()] = v.get<double>();
        break;
      case AttrKind::String:
        if (!v.is_string()) return bad();
        attrs[it.key()] = v.get<std::string>();
        break;
      case AttrKind::Ints:
        if (!all([](const json& e) { return e.is_number_integer(); })) return bad();
        attrs[it.key()] = v.get<std::vector<int64_t>>();
        break;
      case AttrKind::Floats:
        if (!all([](const json& e) { return e.is_number(); })) return bad();
        attrs[it.key()] = v.get<std::vector<double>>();
        break;
      case AttrKind::Strings:
        if (!all([](const json& e) { return e.is_string(); })) return bad();
        attrs[it.key()] = v.get<std::vector<std::string>>();
        break;
    }
  }
  return attrs;
}

Status ModelReader::build_node(const JsonObject& node) {
  auto op = node.required_string("op");
  if (!op) return op.error();
  auto name = node.optional_string("name", "");
  if (!name) return name.error();
  auto ins = node.string_list("inputs", true);
  auto outs = node.string_list("outputs", true);
  if (!ins) return ins.error();
  if (!outs) return outs.error();
  if (outs->empty()) return node.error("outputs", "a node needs at least one output");
  std::vector<ValueId> inputs;
  for (const std::string& n : *ins) inputs.push_back(n.empty() ? kNoValue : g_.find(n));
  std::vector<std::string> names;
  for (const std::string& n : *outs) names.push_back(n.empty() ? GraphBuilder::kSkip : n);

  if (is_layer_op(*op)) {
    std::optional<JsonObject> attrs;
    if (node.has("attributes")) {
      auto a = JsonObject::at(doc_, node.get("attributes"), node.pointer_of("attributes"), "'attributes'");
      if (!a) return a.error();
      attrs = *a;
    }
    return expand_layer_op(b_, LayerNode{*op, inputs, names, &node, attrs ? &*attrs : nullptr});
  }
  auto kind = op_from_name(*op);
  if (!kind) return node.error("op", "unknown op '" + *op + "'");
  auto attrs = onnx_attributes(node, *kind);
  if (!attrs) return attrs.error();
  auto added = b_.add(*kind, inputs, *attrs, names, (*outs)[0]);
  if (!added) {
    const Diag& d = added.error();
    return doc_.error_at(node.pointer() + d.pointer, d.message);
  }
  return Status::ok();
}

}  // namespace

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

Expected<std::string> read_text_file(const std::string& path) {
  return read_regular_file(path);
}

Expected<Graph> read_model_text(std::string text, const std::string& file, const std::string& base_dir,
                                const ReadOptions& options) {
  auto doc = JsonDocument::parse(std::move(text), file);
  if (!doc) return doc.error();
  if (is_rtneural_model(doc->root())) {
    auto imported = import_rtneural(*doc, model_name_from_path(file));
    if (!imported) return imported.error();
    return read_model_text(imported->dump(1), file + " (as imported from RTNeural)", base_dir, options);
  }
  return ModelReader(*doc, WeightFiles{base_dir, options.weights_anywhere}, options.memory_budget).read();
}

std::string model_name_from_path(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.rfind('.');
  base = dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
  // A C identifier, so that `--emit-obj` takes it as the symbol prefix: other characters become '_'.
  for (char& c : base)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  if (!base.empty() && std::isdigit(static_cast<unsigned char>(base[0]))) base = "_" + base;
  return base.empty() ? "model" : base;
}

Expected<Graph> read_model_file(const std::string& path, const ReadOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return read_model_text(std::move(*text), path, directory_of(path), options);
}

}  // namespace njc
