// Parsing of CLI input files: JSON, JSON Lines and NumPy .npy.
#include "tools/call_inputs.h"

#include <cstring>

#include "frontend/deterministic_init.h"
#include "frontend/json_fields.h"
#include "frontend/model_reader.h"
#include "tools/npy.h"

namespace njc::tools {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

constexpr int kMaxNesting = 32;  // deeper than any tensor's rank; refused before it exhausts the stack

// Whether two nested arrays have the same shape (sizes at every level, element by element).
bool same_nesting(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_array() != b.is_array()) return false;
  if (!a.is_array()) return true;
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_nesting(a[i], b[i])) return false;
  return true;
}

Status flatten(const JsonDocument& doc, const nlohmann::json& v, const std::string& pointer,
               std::vector<float>& out, int depth = 0) {
  if (v.is_array()) {
    if (depth >= kMaxNesting) return doc.error_at(pointer, "input values are nested too deeply");
    // Nested arrays are a tensor's rows: every row of one array has the same shape (no ragged rows).
    for (size_t i = 1; i < v.size(); ++i)
      if (v[i].is_array() != v[0].is_array() || (v[i].is_array() && !same_nesting(v[i], v[0])))
        return doc.error_at(JsonDocument::child(pointer, i),
                            "ragged input: this row's shape differs from the first row's");
    for (size_t i = 0; i < v.size(); ++i)
      if (Status s = flatten(doc, v[i], JsonDocument::child(pointer, i), out, depth + 1); !s) return s;
    return Status::ok();
  }
  if (!v.is_number())
    return doc.error_at(pointer, "an input value must be a number, not " + json_type_text(v));
  out.push_back(static_cast<float>(v.get<double>()));
  return Status::ok();
}

Expected<CallInputs> inputs_from_json(const JsonDocument& doc, const Graph& g) {
  auto obj = JsonObject::at(doc, doc.root(), "", "the input");
  if (!obj) return obj.error();
  CallInputs call(g.inputs.size());
  for (auto it = doc.root().begin(); it != doc.root().end(); ++it) {
    std::string p = JsonDocument::child("", it.key());
    ValueId v = g.find(it.key());
    auto pos = std::find(g.inputs.begin(), g.inputs.end(), v);
    if (v == kNoValue || pos == g.inputs.end())
      return doc.error_at(p, "the model has no input named '" + it.key() + "'");
    std::vector<float>& data = call[static_cast<size_t>(pos - g.inputs.begin())];
    if (Status s = flatten(doc, it.value(), p, data); !s) return s.error();
    int64_t want = g.batch * num_elements(g.value(v).shape);
    if (static_cast<int64_t>(data.size()) != want)
      return doc.error_at(p, "input '" + it.key() + "' needs " + std::to_string(want) + " values (" +
                                 (g.batch > 1 ? std::to_string(g.batch) + " x " : "") +
                                 shape_to_string(g.value(v).shape) + "), got " + std::to_string(data.size()));
  }
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (call[i].empty()) return doc.error_at("", "input '" + g.value(g.inputs[i]).name + "' is missing");
  return call;
}

Expected<InputStream> read_json_lines(const std::string& path, const std::string& text, const Graph& g) {
  InputStream stream;
  stream.is_stream = true;
  size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string content = text.substr(start, end - start);
    start = end + 1;
    if (content.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto doc = JsonDocument::parse(content, path);
    Expected<CallInputs> call = doc ? inputs_from_json(*doc, g) : Expected<CallInputs>(doc.error());
    if (!call) {
      Diag d = call.error();
      d.line = line;  // each line is its own document
      return d;
    }
    stream.calls.push_back(std::move(*call));
  }
  if (stream.calls.empty()) return Diag{path, 0, 0, "", "the JSON Lines input has no calls"};
  return stream;
}

}  // namespace

Expected<InputStream> read_call_inputs(const std::string& path, const Graph& g) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  if (ends_with(path, ".npy")) {
    if (g.inputs.size() != 1)
      return Diag{path, 0, 0, "",
                  "a .npy input needs a model with exactly one input (this one has " +
                      std::to_string(g.inputs.size()) + ")"};
    auto arr = parse_npy(*text, path);
    if (!arr) return arr.error();
    int64_t want = g.batch * num_elements(g.value(g.inputs[0]).shape);
    if (static_cast<int64_t>(arr->size()) != want)
      return Diag{path, 0, 0, "",
                  "the array has " + std::to_string(arr->size()) + " values; input '" +
                      g.value(g.inputs[0]).name + "' needs " + std::to_string(want)};
    return InputStream{{CallInputs{std::move(*arr)}}, false};
  }
  if (ends_with(path, ".jsonl")) return read_json_lines(path, *text, g);
  auto doc = JsonDocument::parse(std::move(*text), path);
  if (!doc) return doc.error();
  auto call = inputs_from_json(*doc, g);
  if (!call) return call.error();
  return InputStream{{std::move(*call)}, false};
}

CallInputs default_call_inputs(const Graph& g) {
  CallInputs call;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    SplitMix64 rng(i + 1);
    std::vector<float> v(static_cast<size_t>(g.batch * num_elements(g.value(g.inputs[i]).shape)));
    for (float& x : v) x = static_cast<float>(2.0 * rng.next_unit() - 1.0);
    call.push_back(std::move(v));
  }
  return call;
}

}  // namespace njc::tools
