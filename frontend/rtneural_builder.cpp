// Model-building helpers shared by the RTNeural importers: fresh names, inline params, carried states and
// the layer ops (lstm_cell, gru_cell, conv1d_stream) wired to their states.
#include "frontend/rtneural_builder.h"

#include <cmath>
#include <map>

namespace njc::rtneural {

using json = nlohmann::json;

namespace {
bool flatten(const json& x, size_t depth, Array& out) {
  if (depth > 8) return false;  // no RTNeural weight has more than 4 dimensions
  if (x.is_number()) {
    if (depth != out.shape.size()) return false;
    out.v.push_back(x.get<double>());
    return true;
  }
  if (!x.is_array() || x.empty()) return false;
  if (depth == out.shape.size())
    out.shape.push_back(static_cast<int64_t>(x.size()));
  else if (depth > out.shape.size() || out.shape[depth] != static_cast<int64_t>(x.size()))
    return false;
  for (const json& e : x)
    if (!flatten(e, depth + 1, out)) return false;
  return true;
}
}  // namespace

const char* activation_op(const std::string& name) {
  if (name.empty() || name == "linear") return "";
  static const std::map<std::string, const char*> kOps = {
      {"tanh", "Tanh"}, {"relu", "Relu"}, {"sigmoid", "Sigmoid"}, {"softmax", "Softmax"}, {"elu", "Elu"}};
  auto it = kOps.find(name);
  return it == kOps.end() ? nullptr : it->second;
}

bool read_array(const json& x, Array& out) {
  out = Array{};
  return flatten(x, 0, out);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t d = 0; d < shape.size(); ++d)
    s += (d ? ", " : "") + (shape[d] < 0 ? std::string("?") : std::to_string(shape[d]));
  return s + "]";
}

std::vector<double> reorder_gate_rows(const Array& a, int64_t hidden, const std::vector<int>& gates) {
  int64_t cols = a.shape.size() > 1 ? a.shape[1] : 1;
  std::vector<double> out;
  out.reserve(a.v.size());
  for (int g : gates) {
    auto first = a.v.begin() + g * hidden * cols;
    out.insert(out.end(), first, first + hidden * cols);
  }
  return out;
}

ModelBuilder::ModelBuilder(std::string name, int64_t input_width, int64_t rows) {
  model_ = {
      {"format", "njc-model"},   {"version", 1},
      {"name", std::move(name)}, {"inputs", json::array({{{"name", "x"}, {"shape", {rows, input_width}}}})},
      {"params", json::array()}, {"states", json::array()},
      {"nodes", json::array()}};
}

std::string ModelBuilder::fresh(const std::string& hint) {
  return "l" + std::to_string(counter_++) + "." + hint;
}

std::string ModelBuilder::param(const std::string& hint, std::vector<int64_t> shape,
                                const std::vector<double>& data) {
  std::string name = fresh(hint);
  model_["params"].push_back({{"name", name}, {"shape", shape}, {"data", data}});
  return name;
}

std::string ModelBuilder::node(const std::string& op, std::vector<std::string> ins, json attrs,
                               std::vector<std::string> outs) {
  if (outs.empty()) outs.push_back(fresh(op));
  json n = {{"op", op}, {"inputs", ins}, {"outputs", outs}};
  if (!attrs.empty()) n["attributes"] = attrs;
  model_["nodes"].push_back(n);
  return outs[0];
}

std::string ModelBuilder::state(const std::string& hint, std::vector<int64_t> shape,
                                const std::string& next) {
  std::string name = fresh(hint);
  model_["states"].push_back({{"name", name}, {"shape", shape}, {"next", next}});
  return name;
}

std::string ModelBuilder::lstm_cell(const std::string& x, const std::string& W, const std::string& R,
                                    const std::string& B, int64_t hidden) {
  std::string h_next = fresh("h_next"), c_next = fresh("c_next");
  std::string h = state("h", {1, hidden}, h_next), c = state("c", {1, hidden}, c_next);
  return node("lstm_cell", {x, W, R, B, h, c}, json::object(), {h_next, c_next});
}

std::string ModelBuilder::gru_cell(const std::string& x, const std::string& W, const std::string& R,
                                   const std::string& B, int64_t hidden) {
  std::string h_next = fresh("h_next");
  std::string h = state("h", {1, hidden}, h_next);
  return node("gru_cell", {x, W, R, B, h}, {{"linear_before_reset", 1}}, {h_next});
}

std::string ModelBuilder::conv1d_stream(const std::string& x, int64_t channels, const std::string& W,
                                        const std::string& B, int64_t kernel, int64_t dilation,
                                        int64_t groups) {
  std::vector<std::string> ins = {x, W, B}, outs = {fresh("conv")};
  int64_t history = (kernel - 1) * dilation;
  if (history > 0) {
    outs.push_back(fresh("history_next"));
    ins.push_back(state("history", {1, channels, history}, outs.back()));
  }
  return node("conv1d_stream", ins, {{"dilation", dilation}, {"group", groups}}, outs);
}

std::string ModelBuilder::batchnorm(const std::string& x, const std::vector<double>& gamma,
                                    const std::vector<double>& beta, const std::vector<double>& mean,
                                    const std::vector<double>& var, double eps) {
  std::vector<double> scale, shift;
  for (size_t c = 0; c < mean.size(); ++c) {
    scale.push_back(gamma[c] / std::sqrt(var[c] + eps));
    shift.push_back(beta[c] - mean[c] * scale.back());
  }
  int64_t width = static_cast<int64_t>(mean.size());
  std::string scaled = node("Mul", {x, param("scale", {width}, scale)});
  return node("Add", {scaled, param("shift", {width}, shift)});
}

std::string ModelBuilder::prelu(const std::string& x, const std::vector<double>& alpha) {
  std::string pos = node("Relu", {x});
  std::string neg = node("Sub", {x, pos});
  std::string scaled = node("Mul", {neg, param("alpha", {static_cast<int64_t>(alpha.size())}, alpha)});
  return node("Add", {pos, scaled});
}

std::string ModelBuilder::conv1d_upsample(const std::string& x, int64_t channels, const std::string& W,
                                          const std::string& B, int64_t kernel, int64_t dilation,
                                          int64_t groups, int64_t stride) {
  int64_t history = (kernel - 1) * dilation;
  std::string zero = param("zero", {1, channels}, std::vector<double>(static_cast<size_t>(channels), 0.0));
  std::string last_history = history > 0 ? fresh("history_next") : "";
  std::string hist = history > 0 ? state("history", {1, channels, history}, last_history) : "";
  json attrs = {{"dilation", dilation}, {"group", groups}};
  std::vector<std::string> rows;
  for (int64_t r = 0; r < stride; ++r) {
    std::vector<std::string> ins = {r == 0 ? x : zero, W, B}, outs = {fresh("conv")};
    if (history > 0) {
      ins.push_back(hist);
      outs.push_back(r + 1 == stride ? last_history : fresh("history"));
      hist = outs.back();
    }
    rows.push_back(node("conv1d_stream", ins, attrs, outs));
  }
  return stride == 1 ? rows[0] : node("Concat", rows, {{"axis", 0}});
}

std::string ModelBuilder::conv1d_frame(const std::string& x, int64_t time, int64_t channels,
                                       const std::string& W, const std::string& B, int64_t out,
                                       int64_t kernel, int64_t dilation, int64_t groups) {
  std::string ct = node("Transpose", {x}, {{"perm", {1, 0}}});
  std::string nct = node("Reshape", {ct}, {{"shape", {1, channels, time}}});
  json attrs = {{"kernel_shape", {kernel}}, {"dilations", {dilation}}, {"group", groups}};
  std::string y = node("Conv", {nct, W, B}, attrs);
  std::string mt = node("Reshape", {y}, {{"shape", {out, time - (kernel - 1) * dilation}}});
  return node("Transpose", {mt}, {{"perm", {1, 0}}});
}

json ModelBuilder::finish(const std::string& current, int64_t width, int64_t rows) {
  std::string last = current;
  if (last == "x") last = node("Reshape", {last}, {{"shape", {rows, width}}});
  for (json& n : model_["nodes"])
    for (json& o : n["outputs"])
      if (o == last) o = "y";
  for (json& s : model_["states"])
    if (s["next"] == last) s["next"] = "y";  // a held output is also carried to the next call
  model_["outputs"] = json::array({"y"});
  return model_;
}

}  // namespace njc::rtneural
