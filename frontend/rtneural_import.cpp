// RTNeural (Keras layout) -> njc model JSON. Weight re-layouts:
//   dense   kernel [in][out]                 -> W [out][in]
//   lstm    W [in][4H], U [H][4H], b [4H]     -> W [4H][in], R [4H][H], B [8H] with gates i,f,c,o -> i,o,f,c
//   gru     W [in][3H], U [H][3H], b [2][3H]  -> W [3H][in], R [3H][H], B [6H] (gates z,r,h; reset_after)
//   conv1d  kernel [K][in/groups][out]       -> W [out][in/groups][K], history (K-1)*dilation in state
//   batchnorm (gamma, beta,) mean, var       -> y = x * scale + shift, folded at import
//   prelu   alpha [1][C] or [1][1]           -> relu(x) + alpha * (x - relu(x))
#include "frontend/rtneural_import.h"

#include <cmath>

namespace njc {

namespace {

using json = nlohmann::json;

// A rectangular array of numbers read from the document, with its shape.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> v;
  double at(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * shape[1] + j)]; }
};

bool flatten(const json& x, size_t depth, Array& out) {
  if (depth > 8) return false;  // no RTNeural weight has more than 3 dimensions
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

class Importer {
 public:
  Importer(const JsonDocument& doc, std::string name) : doc_(doc) {
    model_ = {{"format", "njc-model"},   {"version", 1},
              {"name", std::move(name)}, {"params", json::array()},
              {"states", json::array()}, {"nodes", json::array()}};
  }

  Expected<json> run() {
    const json& root = doc_.root();
    const json& in_shape = root["in_shape"];
    if (!in_shape.is_array() || in_shape.empty() || !in_shape.back().is_number_integer() ||
        in_shape.back() < 1)
      return doc_.error_at("/in_shape", "in_shape must end with the number of input features");
    width_ = in_shape.back().get<int64_t>();
    model_["inputs"] = json::array({{{"name", "x"}, {"shape", {1, width_}}}});
    current_ = "x";
    const json& layers = root["layers"];
    for (size_t i = 0; i < layers.size(); ++i) {
      where_ = "/layers/" + std::to_string(i);
      if (!layers[i].is_object()) return doc_.error_at(where_, "a layer must be an object");
      if (Status s = layer(layers[i]); !s) return s.error();
    }
    rename_output("y");
    model_["outputs"] = json::array({current_});
    return model_;
  }

 private:
  const JsonDocument& doc_;
  json model_;
  std::string where_;    // pointer of the layer being imported
  std::string current_;  // the value holding the previous layer's output [1, width_]
  int64_t width_ = 0;
  int counter_ = 0;

  // Gives the last layer's output the stable name `name`.
  void rename_output(const std::string& name) {
    if (current_ == "x") current_ = node("Reshape", {current_}, {{"shape", {1, width_}}});
    for (json& n : model_["nodes"])
      for (json& o : n["outputs"])
        if (o == current_) o = name;
    current_ = name;
  }

  std::string fresh(const std::string& hint) { return "l" + std::to_string(counter_++) + "." + hint; }

  Diag error(const std::string& sub, const std::string& msg) const {
    return doc_.error_at(where_ + sub, msg);
  }

  Expected<Array> weight(const json& layer, size_t index, std::vector<int64_t> want) {
    std::string p = "/weights/" + std::to_string(index);
    const json& ws = layer["weights"];
    if (!ws.is_array() || index >= ws.size())
      return error("/weights", "missing weight " + std::to_string(index));
    Array a;
    if (!flatten(ws[index], 0, a)) return error(p, "weights must be a rectangular array of numbers");
    bool ok = a.shape.size() == want.size();
    for (size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == a.shape[d];
    if (!ok) {
      std::string w = "[";
      for (size_t d = 0; d < want.size(); ++d)
        w += (d ? ", " : "") + (want[d] < 0 ? std::string("?") : std::to_string(want[d]));
      std::string h = "[";
      for (size_t d = 0; d < a.shape.size(); ++d) h += (d ? ", " : "") + std::to_string(a.shape[d]);
      return error(p, layer.value("type", "layer") + ": weights have shape " + h + "] but the layer needs " +
                          w + "] (from its input width " + std::to_string(width_) + " and declared shape)");
    }
    return a;
  }

  std::string param(const std::string& hint, std::vector<int64_t> shape, const std::vector<double>& data) {
    std::string name = fresh(hint);
    model_["params"].push_back({{"name", name}, {"shape", shape}, {"data", data}});
    return name;
  }

  std::string node(const std::string& op, std::vector<std::string> ins, json attrs = json::object(),
                   std::vector<std::string> outs = {}) {
    if (outs.empty()) outs.push_back(fresh(op));
    json n = {{"op", op}, {"inputs", ins}, {"outputs", outs}};
    if (!attrs.empty()) n["attributes"] = attrs;
    model_["nodes"].push_back(n);
    return outs[0];
  }

  // The declared output width of a layer ("shape": [..., width]).
  Expected<int64_t> declared_width(const json& layer) {
    const json& s = layer["shape"];
    if (!s.is_array() || s.empty() || !s.back().is_number_integer() || s.back() < 1)
      return error("/shape", "a layer's shape must end with its output width");
    return s.back().get<int64_t>();
  }

  Status activation(const json& layer) {
    std::string act = layer.value("activation", "");
    if (act.empty() || act == "linear") return Status::ok();
    static const std::map<std::string, std::string> kOps = {
        {"tanh", "Tanh"}, {"relu", "Relu"}, {"sigmoid", "Sigmoid"}, {"softmax", "Softmax"}, {"elu", "Elu"}};
    auto it = kOps.find(act);
    if (it == kOps.end()) return error("/activation", "unsupported activation '" + act + "'");
    current_ = node(it->second, {current_});
    return Status::ok();
  }

  Status dense(const json& layer) {
    auto out = declared_width(layer);
    if (!out) return out.error();
    auto kernel = weight(layer, 0, {width_, *out});
    if (!kernel) return kernel.error();
    std::vector<double> w;
    for (int64_t o = 0; o < *out; ++o)
      for (int64_t i = 0; i < width_; ++i) w.push_back(kernel->at(i, o));
    std::vector<std::string> ins = {current_, param("W", {*out, width_}, w)};
    if (layer["weights"].size() > 1) {
      auto bias = weight(layer, 1, {*out});
      if (!bias) return bias.error();
      ins.push_back(param("b", {*out}, bias->v));
    }
    current_ = node("dense", ins);
    width_ = *out;
    return activation(layer);
  }

  // Gate blocks of H rows, taken from Keras columns in the order `gates` names.
  static std::vector<double> transposed_gates(const Array& a, int64_t hidden, std::vector<int> gates) {
    std::vector<double> out;
    for (int g : gates)
      for (int64_t h = 0; h < hidden; ++h)
        for (int64_t i = 0; i < a.shape[0]; ++i) out.push_back(a.at(i, g * hidden + h));
    return out;
  }

  Status recurrent(const json& layer, bool lstm) {
    auto hidden = declared_width(layer);
    if (!hidden) return hidden.error();
    std::string act = layer.value("activation", "");
    if (!act.empty() && act != "tanh")
      return error("/activation",
                   "recurrent layers support the tanh candidate activation only, not '" + act + "'");
    int64_t gates = lstm ? 4 : 3, H = *hidden;
    auto W = weight(layer, 0, {width_, gates * H});
    if (!W) return W.error();
    auto U = weight(layer, 1, {H, gates * H});
    if (!U) return U.error();
    auto b = lstm ? weight(layer, 2, {gates * H}) : weight(layer, 2, {2, gates * H});
    if (!b) return b.error();
    std::vector<int> order =
        lstm ? std::vector<int>{0, 3, 1, 2} : std::vector<int>{0, 1, 2};  // Keras -> ONNX
    std::vector<double> bias;
    if (lstm) {
      for (int g : order) bias.insert(bias.end(), b->v.begin() + g * H, b->v.begin() + (g + 1) * H);
      bias.resize(static_cast<size_t>(8 * H), 0.0);  // no separate recurrent bias in Keras
    } else {
      bias = b->v;  // [input bias, recurrent bias], gates z, r, h already
    }
    std::string h = fresh("h"), h_next = fresh("h_next");
    std::vector<std::string> ins = {current_, param("W", {gates * H, width_}, transposed_gates(*W, H, order)),
                                    param("R", {gates * H, H}, transposed_gates(*U, H, order)),
                                    param("B", {2 * gates * H}, bias), h};
    model_["states"].push_back({{"name", h}, {"shape", {1, H}}, {"next", h_next}});
    std::vector<std::string> outs = {h_next};
    if (lstm) {
      std::string c = fresh("c"), c_next = fresh("c_next");
      ins.push_back(c);
      outs.push_back(c_next);
      model_["states"].push_back({{"name", c}, {"shape", {1, H}}, {"next", c_next}});
    }
    current_ = node(lstm ? "lstm_cell" : "gru_cell", ins,
                    lstm ? json::object() : json{{"linear_before_reset", 1}}, outs);
    width_ = H;
    return Status::ok();
  }

  static int64_t first_int(const json& layer, const char* key, int64_t dflt) {
    const json& v = layer.contains(key) ? layer[key] : json();
    if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<int64_t>();
    if (v.is_number_integer()) return v.get<int64_t>();
    return dflt;
  }

  Status conv1d(const json& layer) {
    auto out = declared_width(layer);
    if (!out) return out.error();
    int64_t k = first_int(layer, "kernel_size", 1), dilation = first_int(layer, "dilation", 1);
    int64_t groups = first_int(layer, "groups", 1);
    if (k < 1 || dilation < 1 || groups < 1 || width_ % groups || *out % groups)
      return error(
          "", "conv1d: kernel_size, dilation and groups must be >= 1 and groups must divide the channels");
    auto kernel = weight(layer, 0, {k, width_ / groups, *out});
    if (!kernel) return kernel.error();
    int64_t cin = width_ / groups;
    std::vector<double> w;
    for (int64_t o = 0; o < *out; ++o)
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t t = 0; t < k; ++t) w.push_back(kernel->v[static_cast<size_t>((t * cin + c) * *out + o)]);
    std::vector<std::string> ins = {current_, param("W", {*out, cin, k}, w), ""};
    if (layer["weights"].size() > 1) {
      auto bias = weight(layer, 1, {*out});
      if (!bias) return bias.error();
      ins[2] = param("b", {*out}, bias->v);
    }
    std::vector<std::string> outs = {fresh("conv")};
    int64_t history = (k - 1) * dilation;
    if (history > 0) {
      std::string hist = fresh("history"), next = fresh("history_next");
      model_["states"].push_back({{"name", hist}, {"shape", {1, width_, history}}, {"next", next}});
      ins.push_back(hist);
      outs.push_back(next);
    }
    current_ = node("conv1d_stream", ins, {{"dilation", dilation}, {"group", groups}}, outs);
    width_ = *out;
    return activation(layer);
  }

  Status batchnorm(const json& layer) {
    size_t count = layer["weights"].size();
    if (count != 2 && count != 4)
      return error("/weights", "batchnorm needs (gamma, beta,) mean and variance");
    std::vector<Array> w;
    for (size_t i = 0; i < count; ++i) {
      auto a = weight(layer, i, {width_});
      if (!a) return a.error();
      w.push_back(*a);
    }
    double eps = layer.value("epsilon", 0.001);
    std::vector<double> scale, shift;
    for (int64_t c = 0; c < width_; ++c) {
      size_t u = static_cast<size_t>(c);
      double gamma = count == 4 ? w[0].v[u] : 1.0, beta = count == 4 ? w[1].v[u] : 0.0;
      double mean = w[count - 2].v[u], var = w[count - 1].v[u];
      scale.push_back(gamma / std::sqrt(var + eps));
      shift.push_back(beta - mean * scale.back());
    }
    std::string scaled = node("Mul", {current_, param("scale", {width_}, scale)});
    current_ = node("Add", {scaled, param("shift", {width_}, shift)});
    return activation(layer);
  }

  Status prelu(const json& layer) {
    auto alpha = weight(layer, 0, {1, -1});
    if (!alpha) return alpha.error();
    if (alpha->shape[1] != 1 && alpha->shape[1] != width_)
      return error("/weights/0", "prelu alpha must have 1 or " + std::to_string(width_) + " entries");
    std::string pos = node("Relu", {current_});
    std::string neg = node("Sub", {current_, pos});
    std::string scaled = node("Mul", {neg, param("alpha", {alpha->shape[1]}, alpha->v)});
    current_ = node("Add", {pos, scaled});
    return activation(layer);
  }

  Status layer(const json& l) {
    std::string type = l.value("type", "");
    if (type == "dense" || type == "time-distributed-dense") return dense(l);
    if (type == "lstm") return recurrent(l, true);
    if (type == "gru") return recurrent(l, false);
    if (type == "conv1d") return conv1d(l);
    if (type == "batchnorm") return batchnorm(l);
    if (type == "prelu") return prelu(l);
    if (type == "activation") return activation(l);
    return error("/type", "unsupported RTNeural layer type '" + type + "'");
  }
};

}  // namespace

bool is_rtneural_model(const json& root) {
  return root.is_object() && root.contains("in_shape") && root.contains("layers") &&
         root["layers"].is_array();
}

Expected<json> import_rtneural(const JsonDocument& doc, const std::string& name) {
  return Importer(doc, name).run();
}

}  // namespace njc
