// RTNeural (Keras layout) -> njc model JSON. Weight re-layouts:
//   dense   kernel [in][out]                 -> W [out][in]
//   lstm    W [in][4H], U [H][4H], b [4H]     -> W [4H][in], R [4H][H], B [8H] with gates i,f,c,o -> i,o,f,c
//   gru     W [in][3H], U [H][3H], b [2][3H]  -> W [3H][in], R [3H][H], B [6H] (gates z,r,h; reset_after)
//   conv1d  kernel [K][in/groups][out]       -> W [out][in/groups][K], history (K-1)*dilation in state
//   batchnorm (gamma, beta,) mean, var       -> y = x * scale + shift, folded at import
//   prelu   alpha [1][C] or [1][1]           -> relu(x) + alpha * (x - relu(x))
//   conv2d  kernel [Kt][Kf][C][M]            -> conv1d_stream over flattened frames (rtneural_conv2d.h)
//   batchnorm2d per filter                   -> scale and shift per (feature, filter), folded
#include "frontend/rtneural_import.h"

#include <optional>

#include "frontend/rtneural_builder.h"
#include "frontend/rtneural_conv2d.h"

namespace njc {

namespace {

using json = nlohmann::json;
using rtneural::Array;

// obj[key], or null when obj is not an object or has no such member (const operator[] would be undefined).
const json& member(const json& obj, const char* key) {
  static const json kNull;
  return obj.is_object() && obj.contains(key) ? obj.at(key) : kNull;
}

class Importer {
 public:
  Importer(const JsonDocument& doc, std::string name) : doc_(doc), name_(std::move(name)) {}

  Expected<json> run() {
    const json& root = doc_.root();
    const json& in_shape = member(root, "in_shape");
    if (!in_shape.is_array() || in_shape.empty() || !in_shape.back().is_number_integer() ||
        in_shape.back() < 1)
      return doc_.error_at("/in_shape", "in_shape must end with the number of input features");
    width_ = in_shape.back().get<int64_t>();
    if (in_shape.size() == 4) {  // [batch, time, features, filters]: frames for conv2d
      if (!in_shape[2].is_number_integer() || in_shape[2] < 1)
        return doc_.error_at("/in_shape/2", "a 2-D in_shape needs a fixed number of features");
      features_ = in_shape[2].get<int64_t>();
      filters_ = width_;
      width_ = features_ * filters_;
    }
    time_ = frame_length(root);
    b_.emplace(name_, width_, time_ ? time_ : 1);
    current_ = "x";
    const json& layers = member(root, "layers");
    for (size_t i = 0; i < layers.size(); ++i) {
      where_ = "/layers/" + std::to_string(i);
      if (!layers[i].is_object()) return doc_.error_at(where_, "a layer must be an object");
      if (Status s = layer(layers[i]); !s) return s.error();
    }
    return b_->finish(current_, width_, time_ ? time_ : 1);
  }

 private:
  const JsonDocument& doc_;
  std::string name_;
  std::optional<rtneural::ModelBuilder> b_;
  std::string where_;    // pointer of the layer being imported
  std::string current_;  // the value holding the previous layer's output [1, width_]
  int64_t width_ = 0;
  int64_t time_ = 0;  // a whole-frame model's current frame length; 0 for one sample per call
  // A 2-D model's frame: features_ x filters_ values, feature-major (width_ = features_ * filters_); else 0.
  int64_t features_ = 0, filters_ = 0;

  // A model whose in_shape fixes the frame length and whose conv1d layers declare a shorter time axis than
  // they receive is RTNeural's stateless ("valid") convolution stack, run over a whole frame per call
  // (conv_stateless.json); a streaming conv1d keeps the time axis. Returns the frame length, or 0.
  static int64_t frame_length(const json& root) {
    const json& in_shape = member(root, "in_shape");
    if (in_shape.size() != 3 || !in_shape[1].is_number_integer()) return 0;
    int64_t t = in_shape[1].get<int64_t>();
    for (const json& l : member(root, "layers")) {
      const json& s = member(l, "shape");
      if (!s.is_array() || s.size() != 3 || !s[1].is_number_integer()) continue;
      if (member(l, "type") == "conv1d" && s[1].get<int64_t>() < t) return in_shape[1].get<int64_t>();
      t = s[1].get<int64_t>();
    }
    return 0;
  }

  Diag error(const std::string& sub, const std::string& msg) const {
    return doc_.error_at(where_ + sub, msg);
  }

  Expected<Array> weight(const json& layer, size_t index, std::vector<int64_t> want) {
    std::string p = "/weights/" + std::to_string(index);
    const json& ws = member(layer, "weights");
    if (!ws.is_array() || index >= ws.size())
      return error("/weights", "missing weight " + std::to_string(index));
    Array a;
    if (!rtneural::read_array(ws[index], a))
      return error(p, "weights must be a rectangular array of numbers");
    bool ok = a.shape.size() == want.size();
    for (size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == a.shape[d];
    if (!ok)
      return error(p, layer.value("type", "layer") + ": weights have shape " + rtneural::shape_text(a.shape) +
                          " but the layer needs " + rtneural::shape_text(want) + " (from its input width " +
                          std::to_string(width_) + " and declared shape)");
    return a;
  }

  // The declared output width of a layer ("shape": [..., width]).
  Expected<int64_t> declared_width(const json& layer) {
    const json& s = member(layer, "shape");
    if (!s.is_array() || s.empty() || !s.back().is_number_integer() || s.back() < 1)
      return error("/shape", "a layer's shape must end with its output width");
    return s.back().get<int64_t>();
  }

  Status activation(const json& layer) {
    std::string act = layer.value("activation", "");
    const char* op = rtneural::activation_op(act);
    if (!op) return error("/activation", "unsupported activation '" + act + "'");
    if (*op) current_ = b_->node(op, {current_});
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
    std::vector<std::string> ins = {current_, b_->param("W", {*out, width_}, w)};
    if (member(layer, "weights").size() > 1) {
      auto bias = weight(layer, 1, {*out});
      if (!bias) return bias.error();
      ins.push_back(b_->param("b", {*out}, bias->v));
    }
    current_ = b_->node("dense", ins);
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
    if (time_)
      return error("/type",
                   std::string(lstm ? "lstm" : "gru") +
                       " in a whole-frame model (stateless conv1d layers) is not supported: njc runs "
                       "recurrent layers one sample per call");
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
    std::string w = b_->param("W", {gates * H, width_}, transposed_gates(*W, H, order));
    std::string r = b_->param("R", {gates * H, H}, transposed_gates(*U, H, order));
    std::string bb = b_->param("B", {2 * gates * H}, bias);
    current_ = lstm ? b_->lstm_cell(current_, w, r, bb, H) : b_->gru_cell(current_, w, r, bb, H);
    width_ = H;
    return Status::ok();
  }

  static int64_t first_int(const json& layer, const char* key, int64_t dflt) {
    const json& v = member(layer, key);
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
    std::string bias;
    if (member(layer, "weights").size() > 1) {
      auto b = weight(layer, 1, {*out});
      if (!b) return b.error();
      bias = b_->param("b", {*out}, b->v);
    }
    std::string W = b_->param("W", {*out, cin, k}, w);
    if (time_) {
      const json& s = member(layer, "shape");
      int64_t valid = time_ - (k - 1) * dilation;
      if (valid < 1 || s.size() != 3 || s[1] != valid)
        return error("/shape", "conv1d in a whole-frame model must be unpadded: " + std::to_string(time_) +
                                   " steps in must give " + std::to_string(valid) + " steps out");
      current_ = b_->conv1d_frame(current_, time_, width_, W, bias, *out, k, dilation, groups);
      time_ = valid;
    } else {
      current_ = b_->conv1d_stream(current_, width_, W, bias, k, dilation, groups);
    }
    width_ = *out;
    return activation(layer);
  }

  Status batchnorm(const json& layer) {
    size_t count = member(layer, "weights").size();
    if (count != 2 && count != 4)
      return error("/weights", "batchnorm needs (gamma, beta,) mean and variance");
    std::vector<std::vector<double>> w;
    for (size_t i = 0; i < count; ++i) {
      auto a = weight(layer, i, {width_});
      if (!a) return a.error();
      w.push_back(a->v);
    }
    size_t n = static_cast<size_t>(width_);
    std::vector<double> gamma = count == 4 ? w[0] : std::vector<double>(n, 1.0);
    std::vector<double> beta = count == 4 ? w[1] : std::vector<double>(n, 0.0);
    current_ =
        b_->batchnorm(current_, gamma, beta, w[count - 2], w[count - 1], layer.value("epsilon", 0.001));
    return activation(layer);
  }

  Status prelu(const json& layer) {
    auto alpha = weight(layer, 0, {1, -1});
    if (!alpha) return alpha.error();
    if (alpha->shape[1] != 1 && alpha->shape[1] != width_)
      return error("/weights/0", "prelu alpha must have 1 or " + std::to_string(width_) + " entries");
    current_ = b_->prelu(current_, alpha->v);
    return activation(layer);
  }

  // Streaming Conv2D: time is streamed (kernel_size_time, dilation), features are convolved within each
  // frame (kernel_size_feature, strides, valid/same padding) -- see rtneural_conv2d.h.
  Status conv2d(const json& layer) {
    if (!filters_) return error("/type", "conv2d needs a 2-D in_shape [batch, time, features, filters]");
    int64_t kt = first_int(layer, "kernel_size_time", 0), kf = first_int(layer, "kernel_size_feature", 0);
    int64_t dilation = first_int(layer, "dilation", 1), stride = first_int(layer, "strides", 1);
    int64_t out = first_int(layer, "num_filters_out", 0);
    std::string padding = layer.value("padding", "valid");
    if (kt < 1 || kf < 1 || dilation < 1 || stride < 1 || out < 1 ||
        (padding != "valid" && padding != "same"))
      return error("",
                   "conv2d: kernel_size_time, kernel_size_feature, dilation, strides and num_filters_out "
                   "must be >= 1 and padding 'valid' or 'same'");
    if (first_int(layer, "num_filters_in", filters_) != filters_ ||
        first_int(layer, "num_features_in", features_) != features_)
      return error("", "conv2d: num_filters_in and num_features_in must be " + std::to_string(filters_) +
                           " and " + std::to_string(features_) + " (the previous layer's output)");
    auto g = rtneural::conv2d_geometry(features_, filters_, out, kt, kf, stride, padding == "same");
    const json& shape = member(layer, "shape");
    if (g.features_out < 1 || shape.size() != 4 || shape[2] != g.features_out || shape[3] != out)
      return error("/shape", "conv2d: " + std::to_string(features_) + " features in give " +
                                 std::to_string(g.features_out) + " x " + std::to_string(out) +
                                 " out, which the declared shape must end with");
    auto kernel = weight(layer, 0, {kt, kf, filters_, out});
    if (!kernel) return kernel.error();
    std::vector<double> bias(static_cast<size_t>(out), 0.0);
    if (member(layer, "weights").size() > 1) {
      auto b = weight(layer, 1, {out});
      if (!b) return b.error();
      bias = b->v;
    }
    int64_t width = g.features_out * out;
    std::string W = b_->param("W", {width, width_, kt}, rtneural::conv2d_as_conv1d_weight(*kernel, g));
    std::string B = b_->param("b", {width}, rtneural::per_feature(bias, g.features_out));
    current_ = b_->conv1d_stream(current_, width_, W, B, kt, dilation, 1);
    features_ = g.features_out;
    filters_ = out;
    width_ = width;
    return activation(layer);
  }

  Status batchnorm2d(const json& layer) {
    size_t count = member(layer, "weights").size();
    if (!filters_ || (count != 2 && count != 4))
      return error("/weights", "batchnorm2d needs a 2-D input and (gamma, beta,) mean and variance");
    std::vector<std::vector<double>> w;
    for (size_t i = 0; i < count; ++i) {
      auto a = weight(layer, i, {filters_});
      if (!a) return a.error();
      w.push_back(rtneural::per_feature(a->v, features_));
    }
    size_t n = static_cast<size_t>(width_);
    std::vector<double> gamma = count == 4 ? w[0] : std::vector<double>(n, 1.0);
    std::vector<double> beta = count == 4 ? w[1] : std::vector<double>(n, 0.0);
    current_ =
        b_->batchnorm(current_, gamma, beta, w[count - 2], w[count - 1], layer.value("epsilon", 0.001));
    return activation(layer);
  }

  Status layer(const json& l) {
    if (!l.contains("type"))
      return error("", "an RTNeural layer needs a \"type\" (dense, lstm, gru, conv1d, conv2d, batchnorm, "
                       "batchnorm2d, prelu, activation)");
    if (!l["type"].is_string()) return error("/type", "a layer's type must be a string");
    std::string type = l.value("type", "");
    if (type == "conv2d") return conv2d(l);
    if (type == "batchnorm2d") return batchnorm2d(l);
    if (filters_ && type != "activation")
      return error("/type", "RTNeural layer type '" + type +
                                "' on 2-D frames is not supported (after a 2-D in_shape njc imports conv2d, "
                                "batchnorm2d and activation layers)");
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
  return root.is_object() &&
         ((root.contains("in_shape") && root.contains("layers") && member(root, "layers").is_array()) ||
          is_torch_state_dict(root));
}

Expected<json> import_rtneural(const JsonDocument& doc, const std::string& name,
                               const RtNeuralOptions& options) {
  // The importers check what they read field by field; a JSON value of a kind no check foresaw (a number
  // where a string belongs) still ends here as an error, never as an exception through the caller.
  try {
    if (is_torch_state_dict(doc.root())) return import_torch_state_dict(doc, name, options);
    if (!options.layer_options.empty())
      return doc.error_at("",
                          "layer options (" + options.layer_options.begin()->first +
                              ", ...) apply to PyTorch state_dicts only; a Keras-layout file carries its own");
    return Importer(doc, name).run();
  } catch (const json::exception& e) {
    return doc.error_at("", std::string("malformed RTNeural model: a field has the wrong JSON type (") + e.what() +
                                ")");
  }
}

}  // namespace njc
