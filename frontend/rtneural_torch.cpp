// RTNeural's PyTorch layout -> njc model JSON. A state_dict names each module's tensors
// "<prefix><param>"; modules run in the order their first key appears in the file. Re-layouts:
//   LSTM    weight_ih [4H][in], weight_hh [4H][H], bias_ih, bias_hh (gates i,f,g,o) -> lstm_cell, i,o,f,c
//   GRU     weight_ih [3H][in], weight_hh [3H][H], bias_ih, bias_hh (gates r,z,n) -> gru_cell, z,r,h,
//           linear_before_reset (n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) is ONNX's form)
//   Linear  weight [out][in], bias [out]                         -> dense (same layout)
//   Conv1d  weight [out][in/groups][K], bias [out]               -> conv1d_stream (same layout, causal)
//   BatchNorm1d weight, bias, running_mean, running_var, eps      -> scale and shift, folded at import
//   PReLU   weight [C] or [1]                                     -> relu(x) + alpha * (x - relu(x))
//   ConvTranspose1d (option transposed=1) weight [in][out/groups][K] -> conv1d_stream over zero-stuffed input
// num_layers > 1 recurrent modules (weight_ih_l1, ...) become that many stacked cells.
#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "frontend/rtneural_builder.h"
#include "frontend/rtneural_import.h"

namespace njc {

namespace {

using json = nlohmann::json;
using rtneural::Array;

const std::regex kRecurrentParam("(weight|bias)_(ih|hh)_l([0-9]+)(_reverse)?");
const std::set<std::string> kModuleParams = {
    "weight", "bias", "running_mean", "running_var", "num_batches_tracked", "eps"};

// "lstm2.weight_ih_l0" -> {"lstm2.", "weight_ih_l0"}; "weight" -> {"", "weight"}.
std::pair<std::string, std::string> split_key(const std::string& key) {
  size_t dot = key.rfind('.');
  if (dot == std::string::npos) return {"", key};
  return {key.substr(0, dot + 1), key.substr(dot + 1)};
}

bool is_param_name(const std::string& p) {
  return kModuleParams.count(p) || std::regex_match(p, kRecurrentParam);
}

struct Module {
  std::string prefix;
  std::set<std::string> params;
};

class TorchImporter {
 public:
  TorchImporter(const JsonDocument& doc, std::string name, const RtNeuralOptions& options)
      : doc_(doc), name_(std::move(name)), options_(options) {}

  Expected<json> run() {
    for (const Module& m : modules_in_file_order()) {
      prefix_ = m.prefix;
      if (rows_ > 1)
        return key_error(m.prefix + *m.params.begin(),
                         "follows an upsampling ConvTranspose1d (stride > 1), which must be the last module");
      if (Status s = module(m); !s) return s.error();
      if (Status s = activation(); !s) return s.error();
    }
    for (const auto& [key, value] : options_.layer_options)
      if (!used_.count(key))
        return file_error("option '" + key + "=" + value +
                          "' does not apply to any module of this state_dict");
    return b_->finish(current_, width_, rows_);
  }

 private:
  const JsonDocument& doc_;
  std::string name_;
  const RtNeuralOptions& options_;
  std::set<std::string> used_;  // options read
  std::optional<rtneural::ModelBuilder> b_;
  std::string prefix_;  // of the module being imported
  std::string current_ = "x";
  int64_t width_ = 0;
  int64_t rows_ = 1;  // output rows per call: the stride of a final upsampling ConvTranspose1d

  Diag file_error(const std::string& msg) const { return doc_.error_at("", msg); }
  Diag key_error(const std::string& key, const std::string& msg) const {
    return doc_.error_at(JsonDocument::child("", key), key + ": " + msg);
  }

  // Modules keyed by prefix, ordered by where their first tensor appears (nlohmann::json sorts keys).
  std::vector<Module> modules_in_file_order() const {
    std::vector<std::pair<std::pair<int, int>, std::string>> keys;
    for (const auto& [key, value] : doc_.root().items()) {
      Diag at = doc_.error_at(JsonDocument::child("", key), "");
      keys.push_back({{at.line, at.col}, key});
    }
    std::sort(keys.begin(), keys.end());
    std::vector<Module> modules;
    for (const auto& entry : keys) {
      const auto [prefix, param] = split_key(entry.second);
      const std::string& name = prefix;  // a plain reference: clang 14 cannot capture a structured binding
      auto it = std::find_if(modules.begin(), modules.end(), [&](const Module& m) { return m.prefix == name; });
      if (it == modules.end()) it = modules.insert(modules.end(), Module{prefix, {}});
      it->params.insert(param);
    }
    return modules;
  }

  Expected<Array> tensor(const std::string& param, std::vector<int64_t> want) const {
    std::string key = prefix_ + param;
    if (!doc_.root().contains(key)) return file_error("the state_dict has no '" + key + "'");
    Array a;
    if (!rtneural::read_array(doc_.root().at(key), a))
      return key_error(key, "weights must be a rectangular array of numbers");
    bool ok = a.shape.size() == want.size();
    for (size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == a.shape[d];
    if (!ok)
      return key_error(key, "has shape " + rtneural::shape_text(a.shape) + " but the module needs " +
                                rtneural::shape_text(want));
    return a;
  }

  Expected<int64_t> int_option(const std::string& name, int64_t dflt, int64_t min = 1) {
    std::string key = prefix_ + name;
    auto it = options_.layer_options.find(key);
    if (it == options_.layer_options.end()) return dflt;
    used_.insert(key);
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(it->second, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != it->second.size() || v < min)
      return file_error("option '" + key + "' must be an integer >= " + std::to_string(min) + ", not '" +
                        it->second + "'");
    return v;
  }

  Status activation() {
    std::string key = prefix_ + "activation";
    auto it = options_.layer_options.find(key);
    if (it == options_.layer_options.end()) return Status::ok();
    used_.insert(key);
    const char* op = rtneural::activation_op(it->second);
    if (!op) return file_error("option '" + key + "': unsupported activation '" + it->second + "'");
    if (*op) current_ = b_->node(op, {current_});
    return Status::ok();
  }

  // The module's input width: the first module fixes the model's; later ones must match the previous output.
  Status takes_input(int64_t width, const std::string& param) {
    if (!b_) {
      b_.emplace(name_, width);
      width_ = width;
    } else if (width != width_) {
      return key_error(prefix_ + param, "takes inputs of width " + std::to_string(width) +
                                            " but the module before gives " + std::to_string(width_));
    }
    return Status::ok();
  }

  Status module(const Module& m) {
    for (const std::string& p : m.params)
      if (!is_param_name(p))
        return key_error(m.prefix + p,
                         "not a PyTorch parameter of a module RTNeural reads (LSTM, GRU, Linear, "
                         "Conv1d, BatchNorm1d, PReLU)");
    if (m.params.count("weight_ih_l0")) return recurrent(m);
    if (m.params.count("running_mean")) return batchnorm(m);
    if (!m.params.count("weight")) return key_error(m.prefix + *m.params.begin(), "a module without weights");
    Array w;
    rtneural::read_array(doc_.root().at(m.prefix + "weight"), w);
    if (w.shape.size() == 2) return linear();
    if (w.shape.size() == 3) return conv1d();
    if (w.shape.size() == 1) return prelu();
    return key_error(m.prefix + "weight", "a weight of shape " + rtneural::shape_text(w.shape) +
                                              " matches no module njc imports (Linear [out][in], Conv1d "
                                              "[out][in/groups][K], PReLU [C])");
  }

  Expected<std::vector<double>> optional_bias(const std::string& param, int64_t size) {
    if (!doc_.root().contains(prefix_ + param)) return std::vector<double>(static_cast<size_t>(size), 0.0);
    auto b = tensor(param, {size});
    if (!b) return b.error();
    return b->v;
  }

  Status recurrent(const Module& m) {
    for (const std::string& p : m.params)
      if (p.find("_reverse") != std::string::npos)
        return key_error(m.prefix + p,
                         "bidirectional recurrent layers are not supported (a one-sample-per-call "
                         "model cannot run the sequence backwards)");
    for (int layer = 0; m.params.count("weight_ih_l" + std::to_string(layer)); ++layer) {
      std::string l = "_l" + std::to_string(layer);
      auto R = tensor("weight_hh" + l, {-1, -1});
      if (!R) return R.error();
      int64_t H = R->shape[1], G = R->shape[0] / H;
      if (R->shape[0] % H || (G != 3 && G != 4))
        return key_error(prefix_ + "weight_hh" + l, "has shape " + rtneural::shape_text(R->shape) +
                                                        ": neither LSTM [4H][H] nor GRU [3H][H]");
      auto W = tensor("weight_ih" + l, {G * H, -1});
      if (!W) return W.error();
      if (Status s = takes_input(W->shape[1], "weight_ih" + l); !s) return s;
      auto bi = optional_bias("bias_ih" + l, G * H);
      if (!bi) return bi.error();
      auto bh = optional_bias("bias_hh" + l, G * H);
      if (!bh) return bh.error();
      // PyTorch gate blocks -> ONNX: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
      std::vector<int> order = G == 4 ? std::vector<int>{0, 3, 1, 2} : std::vector<int>{1, 0, 2};
      Array b_ih{{G * H, 1}, *bi}, b_hh{{G * H, 1}, *bh};
      std::vector<double> bias = rtneural::reorder_gate_rows(b_ih, H, order);
      std::vector<double> rb = rtneural::reorder_gate_rows(b_hh, H, order);
      bias.insert(bias.end(), rb.begin(), rb.end());
      std::string w = b_->param("W", {G * H, width_}, rtneural::reorder_gate_rows(*W, H, order));
      std::string r = b_->param("R", {G * H, H}, rtneural::reorder_gate_rows(*R, H, order));
      std::string bb = b_->param("B", {2 * G * H}, bias);
      current_ = G == 4 ? b_->lstm_cell(current_, w, r, bb, H) : b_->gru_cell(current_, w, r, bb, H);
      width_ = H;
    }
    return Status::ok();
  }

  Status linear() {
    auto W = tensor("weight", {-1, -1});
    if (!W) return W.error();
    if (Status s = takes_input(W->shape[1], "weight"); !s) return s;
    int64_t out = W->shape[0];
    std::vector<std::string> ins = {current_, b_->param("W", {out, width_}, W->v)};
    if (doc_.root().contains(prefix_ + "bias")) {
      auto bias = tensor("bias", {out});
      if (!bias) return bias.error();
      ins.push_back(b_->param("b", {out}, bias->v));
    }
    current_ = b_->node("dense", ins);
    width_ = out;
    return Status::ok();
  }

  Status conv1d() {
    auto W = tensor("weight", {-1, -1, -1});
    if (!W) return W.error();
    auto groups = int_option("groups", 1);
    if (!groups) return groups.error();
    auto dilation = int_option("dilation", 1);
    if (!dilation) return dilation.error();
    auto stride = int_option("stride", 1);
    if (!stride) return stride.error();
    auto transposed = int_option("transposed", 0, 0);
    if (!transposed) return transposed.error();
    if (*transposed) return conv_transpose1d(*W, *groups, *dilation, *stride);
    int64_t out = W->shape[0], cin = W->shape[1], k = W->shape[2];
    if (out % *groups)
      return key_error(prefix_ + "weight", std::to_string(out) + " output channels do not divide into " +
                                               std::to_string(*groups) + " groups");
    if (Status s = takes_input(cin * *groups, "weight"); !s) return s;
    std::string bias;
    if (doc_.root().contains(prefix_ + "bias")) {
      auto b = tensor("bias", {out});
      if (!b) return b.error();
      bias = b_->param("b", {out}, b->v);
    }
    std::string y =
        b_->conv1d_stream(current_, width_, b_->param("W", {out, cin, k}, W->v), bias, k, *dilation, *groups);
    current_ = *stride > 1 ? strided(y, out, *stride, (k - 1) * *dilation) : y;
    width_ = out;
    return Status::ok();
  }

  // ConvTranspose1d, weight [in][out/groups][K], as RTNeural streams it: a causal convolution with each
  // group's kernel transposed and reversed in time, W[g*out/g + o][c][t] = weight[g*in/g + c][o][K-1-t], over
  // the input with stride-1 zeros after each sample. Each call takes one input sample and gives `stride`
  // output rows (the zero-stuffed steps run inside the call). PyTorch's padding p drops the first p rows.
  Status conv_transpose1d(const Array& W, int64_t groups, int64_t dilation, int64_t stride) {
    int64_t in = W.shape[0], out_g = W.shape[1], k = W.shape[2], out = out_g * groups;
    if (in % groups)
      return key_error(prefix_ + "weight", std::to_string(in) + " input channels do not divide into " +
                                               std::to_string(groups) + " groups");
    if (Status s = takes_input(in, "weight"); !s) return s;
    int64_t in_g = in / groups;
    std::vector<double> w;
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t o = 0; o < out_g; ++o)
        for (int64_t c = 0; c < in_g; ++c)
          for (int64_t t = 0; t < k; ++t)
            w.push_back(W.v[static_cast<size_t>((((g * in_g + c) * out_g) + o) * k + (k - 1 - t))]);
    std::string bias;
    if (doc_.root().contains(prefix_ + "bias")) {
      auto b = tensor("bias", {out});
      if (!b) return b.error();
      bias = b_->param("b", {out}, b->v);
    }
    current_ = b_->conv1d_upsample(current_, width_, b_->param("W", {out, in_g, k}, w), bias, k, dilation,
                                   groups, stride);
    width_ = out;
    rows_ = stride;
    return Status::ok();
  }

  // A strided convolution computes one output every `stride` calls, the first when its window first fills
  // (call `first`), and holds it in between, as RTNeural's StrideConv1D does. The phase is a one-hot
  // vector rotated each call; states start at zero, so the state keeps phase - e_first.
  std::string strided(const std::string& y, int64_t width, int64_t stride, int64_t first) {
    std::vector<double> e(static_cast<size_t>(stride), 0.0);
    e[static_cast<size_t>(first % stride)] = 1.0;
    std::string e_first = b_->param("phase0", {stride}, e), one = b_->param("one", {1}, {1.0});
    std::string held_next = b_->fresh("held_next"), offset_next = b_->fresh("phase_offset_next");
    std::string held = b_->state("held", {1, width}, held_next);
    std::string offset = b_->state("phase_offset", {stride}, offset_next);
    std::string phase = b_->node("Add", {offset, e_first});
    std::string now = b_->node("Slice", {phase}, {{"starts", {0}}, {"ends", {1}}});
    std::string rest = b_->node("Slice", {phase}, {{"starts", {1}}, {"ends", {stride}}});
    std::string rotated = b_->node("Concat", {rest, now}, {{"axis", 0}});
    b_->node("Sub", {rotated, e_first}, json::object(), {offset_next});
    std::string fresh_part = b_->node("Mul", {now, y});
    std::string kept = b_->node("Mul", {b_->node("Sub", {one, now}), held});
    return b_->node("Add", {fresh_part, kept}, json::object(), {held_next});
  }

  Status batchnorm(const Module& m) {
    auto mean = tensor("running_mean", {-1});
    if (!mean) return mean.error();
    int64_t c = mean->shape[0];
    if (Status s = takes_input(c, "running_mean"); !s) return s;
    auto var = tensor("running_var", {c});
    if (!var) return var.error();
    std::vector<double> gamma(static_cast<size_t>(c), 1.0), beta(static_cast<size_t>(c), 0.0);
    if (m.params.count("weight")) {
      auto g = tensor("weight", {c});
      if (!g) return g.error();
      gamma = g->v;
    }
    if (m.params.count("bias")) {
      auto b = tensor("bias", {c});
      if (!b) return b.error();
      beta = b->v;
    }
    double eps = 1e-5;  // PyTorch's default
    if (m.params.count("eps")) {
      const json& e = doc_.root().at(prefix_ + "eps");
      if (!e.is_number() || e.get<double>() < 0) return key_error(prefix_ + "eps", "must be a number >= 0");
      eps = e.get<double>();
    }
    current_ = b_->batchnorm(current_, gamma, beta, mean->v, var->v, eps);
    return Status::ok();
  }

  Status prelu() {
    auto alpha = tensor("weight", {-1});
    if (!alpha) return alpha.error();
    if (!b_) {
      if (Status s = takes_input(alpha->shape[0], "weight"); !s) return s;
    } else if (alpha->shape[0] != 1 && alpha->shape[0] != width_) {
      return key_error(prefix_ + "weight",
                       "PReLU weight must have 1 or " + std::to_string(width_) + " entries");
    }
    current_ = b_->prelu(current_, alpha->v);
    return Status::ok();
  }
};

}  // namespace

bool is_torch_state_dict(const json& root) {
  if (!root.is_object() || root.empty()) return false;
  for (const auto& [key, value] : root.items())
    if (!is_param_name(split_key(key).second) || !(value.is_array() || value.is_number())) return false;
  return true;
}

Expected<json> import_torch_state_dict(const JsonDocument& doc, const std::string& name,
                                       const RtNeuralOptions& options) {
  return TorchImporter(doc, name, options).run();
}

}  // namespace njc
