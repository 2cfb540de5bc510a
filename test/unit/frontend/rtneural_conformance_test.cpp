// RTNeural conformance (../shared/conformance/rtneural): each model with reference data, in Keras layout or
// as a PyTorch state_dict, runs one sample per call with state carried, through the import and the reference
// interpreter and through the JIT at every -O level and target, and must match the Keras/PyTorch output
// within RTNeural's own tolerance. Prints each path's max error. Skips when the data is absent.
#include <gtest/gtest.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "frontend/model_reader.h"
#include "frontend/rtneural_import.h"
#include "ir/graph_interpreter.h"
#include "runtime/compiled_model.h"
#include "test/unit/tools/run_tool.h"

namespace njc {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(NJC_SHARED_DIR) / "conformance" / "rtneural";

using Table = std::vector<std::vector<float>>;

Table read_csv(const fs::path& p) {
  std::ifstream in(p);
  Table rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<float> row;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) row.push_back(std::stof(cell));
    rows.push_back(row);
  }
  return rows;
}

Table transpose(const Table& t) {
  Table out(t.empty() ? 0 : t[0].size(), std::vector<float>(t.size()));
  for (size_t i = 0; i < t.size(); ++i)
    for (size_t j = 0; j < t[i].size(); ++j) out[j][i] = t[i][j];
  return out;
}

// Imports an RTNeural file (with the layer options a state_dict cannot carry) and reads the njc model back.
Expected<Graph> import_file(const fs::path& path, const RtNeuralOptions& options) {
  auto text = read_text_file(path.string());
  if (!text) return text.error();
  auto doc = JsonDocument::parse(*text, path.string());
  if (!doc) return doc.error();
  auto model = import_rtneural(*doc, model_name_from_path(path.string()), options);
  if (!model) return model.error();
  return read_model_text(model->dump(), path.string() + " (imported)", path.parent_path().string());
}

struct ConformanceCase {
  const char* model;
  const char* x;  // one row per call, one column per input feature
  const char* y;  // Keras: one row per call; PyTorch: one row per output channel, one column per output
  double tolerance;
  bool torch = false;
  int64_t first = 0;  // the call whose output is y's first (a PyTorch "valid" conv's (K-1)*dilation)
  int64_t every = 1;  // calls per output (a strided conv, which holds its output in between)
  std::map<std::string, std::string> options = {};
  bool x_channel_major = false;  // x has one row per input channel (PyTorch's [C][T])
};

// gtest names a case by its data files rather than printing the struct's bytes.
void PrintTo(const ConformanceCase& c, std::ostream* os) {
  *os << c.model << " vs " << c.y;
}

using Call = std::function<const float*(const float*)>;

// Runs body once per engine with a function that makes one call of g: the reference interpreter, then the JIT
// at every -O level on every target the host runs.
void for_each_engine(const Graph& g, const std::function<void(const std::string&, const Call&)>& body) {
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  int64_t in_size = 1;
  for (int64_t d : g.value(g.inputs[0]).shape) in_size *= d;
  GraphInterpreter interp(g);
  std::vector<float> last;
  body("interpreter", [&](const float* x) {
    last = interp.run({std::vector<float>(x, x + in_size)})[0];
    return last.data();
  });
  for (x86::Target target : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(target, x86::host_cpu())) continue;
    for (int level = 0; level <= 3; ++level) {
      runtime::ModelOptions o;
      o.target = target;
      o.opt_level = level;
      auto model = runtime::CompiledModel::compile(g, o);
      ASSERT_TRUE(model) << model.error().message;
      runtime::ModelInstance jit(*model);
      body("jit " + std::string(x86::target_name(target)) + " O" + std::to_string(level),
           [&](const float* x) {
             std::copy(x, x + in_size, jit.input(0));
             jit.run();
             return jit.output(0);
           });
    }
  }
}

// Feeds c's inputs one row per call and compares the outputs from call c.first on with c's expected rows.
void expect_tables_match(const Graph& g, const ConformanceCase& c, const Table& xs, const Table& ys);

void expect_streaming_matches(const Graph& g, const ConformanceCase& c) {
  Table xs = read_csv(kData / "test_data" / c.x), ys = read_csv(kData / "test_data" / c.y);
  if (c.x_channel_major) xs = transpose(xs);
  if (c.torch) ys = transpose(ys);
  expect_tables_match(g, c, xs, ys);
}

// xs: one row per call; ys: the expected outputs from call c.first on.
void expect_tables_match(const Graph& g, const ConformanceCase& c, const Table& xs, const Table& ys) {
  ASSERT_FALSE(ys.empty());
  // An upsampling model gives several output rows (time steps) per call.
  size_t in_width = xs[0].size(), out_width = ys[0].size(), rows = size_t(g.value(g.outputs[0]).shape[0]);
  ASSERT_GE(xs.size() * rows, size_t(c.first) + (ys.size() - 1) * c.every + 1) << "fewer inputs than outputs";
  ASSERT_EQ(g.value(g.inputs[0]).shape, (Shape{1, int64_t(in_width)}));
  ASSERT_EQ(g.value(g.outputs[0]).shape, (Shape{int64_t(rows), int64_t(out_width)}));
  for_each_engine(g, [&](const std::string& path, const Call& call) {
    double max_error = 0;
    for (size_t t = 0; t < xs.size(); ++t) {
      ASSERT_EQ(xs[t].size(), in_width);
      const float* y = call(xs[t].data());
      for (size_t r = 0; r < rows; ++r) {
        size_t step = t * rows + r;
        if (int64_t(step) < c.first) continue;
        size_t n = (step - size_t(c.first)) / size_t(c.every);  // a strided output holds between its calls
        if (n >= ys.size()) break;
        for (size_t j = 0; j < out_width; ++j) {
          double e = std::fabs(double(y[r * out_width + j]) - ys[n][j]);
          max_error = std::max(max_error, e);
          ASSERT_LE(e, c.tolerance) << c.model << " " << path << " call " << t << " row " << r << " output "
                                    << j << ": got " << y[r * out_width + j] << ", want " << ys[n][j];
        }
      }
    }
    std::printf("rtneural %-34s %-42s %-14s %zu outputs x %zu, max |error| %.3g (tolerance %.0e)\n", c.model,
                c.y, path.c_str(), ys.size(), out_width, max_error, c.tolerance);
  });
}

class RtNeural : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(RtNeural, MatchesReferenceOneSamplePerCall) {
  const ConformanceCase& c = GetParam();
  if (!fs::exists(kData / "models" / c.model))
    GTEST_SKIP() << "RTNeural conformance data not found at " << kData << " (it lives in ../shared)";
  auto g = import_file(kData / "models" / c.model, RtNeuralOptions{c.options});
  ASSERT_TRUE(g) << format_diag(g.error());
  expect_streaming_matches(*g, c);
}

std::string case_name(const ::testing::TestParamInfo<ConformanceCase>& info) {
  std::string n = info.param.y;  // "gru_torch_y_python.csv" -> "gru_torch"; unique where the model is not
  n = n.substr(0, n.find('.'));
  if (size_t at = n.find("_y_python"); at != std::string::npos) n.erase(at, 9);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Keras, RtNeural,
    ::testing::Values(ConformanceCase{"dense.json", "dense_x_python.csv", "dense_y_python.csv", 1e-6},
                      ConformanceCase{"lstm.json", "lstm_x_python.csv", "lstm_y_python.csv", 1e-6},
                      ConformanceCase{"lstm_1d.json", "lstm_1d_x_python.csv", "lstm_1d_y_python.csv", 1e-6},
                      ConformanceCase{"gru.json", "gru_x_python.csv", "gru_y_python.csv", 5e-6},
                      ConformanceCase{"gru_1d.json", "gru_1d_x_python.csv", "gru_1d_y_python.csv", 1e-6},
                      ConformanceCase{"conv.json", "conv_x_python.csv", "conv_y_python.csv", 1e-6}),
    case_name);

// The PyTorch cases as RTNeural's own tests run them: lstm_torch and gru_torch are an LSTM/GRU(1 -> 8), a
// 3-layer LSTM/GRU(8 -> 8) and a Linear(8 -> 1); the convolutions' reference outputs are PyTorch's
// unpadded ("valid") convolution, so output n is the call whose window ends at input (K-1)*dilation + n.
INSTANTIATE_TEST_SUITE_P(
    PyTorch, RtNeural,
    ::testing::Values(
        ConformanceCase{"lstm_torch.json", "lstm_torch_x_python.csv", "lstm_torch_y_python.csv", 1e-6},
        ConformanceCase{"gru_torch.json", "gru_torch_x_python.csv", "gru_torch_y_python.csv", 1e-6},
        ConformanceCase{"conv1d_torch.json", "conv1d_torch_x_python.csv", "conv1d_torch_y_python.csv", 1e-6,
                        true, 4},
        ConformanceCase{"conv1d_torch_stride_3.json",
                        "conv1d_torch_x_python_stride_3.csv",
                        "conv1d_torch_y_python_stride_3.csv",
                        1e-6,
                        true,
                        4,
                        3,
                        {{"stride", "3"}}},
        ConformanceCase{"conv1d_torch_group_6_3_3_1_3.json",
                        "conv1d_torch_group_x_python.csv",
                        "conv1d_torch_group_y_python_6_3_3_1_3.csv",
                        1e-6,
                        true,
                        2,
                        1,
                        {{"groups", "3"}}},
        ConformanceCase{"conv1d_torch_group_6_3_4_10_3.json",
                        "conv1d_torch_group_x_python.csv",
                        "conv1d_torch_group_y_python_6_3_4_10_3.csv",
                        1e-6,
                        true,
                        30,
                        1,
                        {{"groups", "3"}, {"dilation", "10"}}},
        ConformanceCase{"conv1d_torch_group_6_6_1_1_6.json",
                        "conv1d_torch_group_x_python.csv",
                        "conv1d_torch_group_y_python_6_6_1_1_6.csv",
                        1e-6,
                        true,
                        0,
                        1,
                        {{"groups", "6"}}},
        // ConvTranspose1d(4 -> 15, K 5, stride 3, padding 3): each call takes one input sample and gives 3
        // output steps; padding 3 drops the first 3. The _cc data is RTNeural's streaming form (no padding).
        ConformanceCase{"convtranspose1d_torch.json",
                        "convtranspose1d_torch_x_python.csv",
                        "convtranspose1d_torch_y_python.csv",
                        1e-6,
                        true,
                        3,
                        1,
                        {{"transposed", "1"}, {"stride", "3"}},
                        true},
        ConformanceCase{"convtranspose1d_torch.json",
                        "convtranspose1d_torch_x_python_cc.csv",
                        "convtranspose1d_torch_y_python_cc.csv",
                        1e-6,
                        true,
                        0,
                        1,
                        {{"transposed", "1"}, {"stride", "3"}},
                        true}),
    case_name);

// conv_stateless.json: four unpadded Conv1D layers (with PReLU, batchnorm and a final tanh) over a whole
// 128-sample frame, 16 outputs; one call per frame.
TEST(RtNeuralFrame, ConvStatelessMatchesKerasOverOneFrame) {
  if (!fs::exists(kData / "models" / "conv_stateless.json"))
    GTEST_SKIP() << "RTNeural conformance data not found";
  auto g = import_file(kData / "models" / "conv_stateless.json", {});
  ASSERT_TRUE(g) << format_diag(g.error());
  Table xs = read_csv(kData / "test_data" / "conv_stateless_x_python.csv");
  Table ys = read_csv(kData / "test_data" / "conv_stateless_y_python.csv");
  ASSERT_EQ(g->value(g->inputs[0]).shape, (Shape{int64_t(xs.size()), 1}));
  ASSERT_EQ(g->value(g->outputs[0]).shape, (Shape{int64_t(ys.size()), 1}));
  std::vector<float> frame;
  for (const auto& row : xs) frame.push_back(row.at(0));
  const double tolerance = 1e-6;
  for_each_engine(*g, [&](const std::string& path, const Call& call) {
    const float* y = call(frame.data());
    double max_error = 0;
    for (size_t n = 0; n < ys.size(); ++n) {
      double e = std::fabs(double(y[n]) - ys[n].at(0));
      max_error = std::max(max_error, e);
      ASSERT_LE(e, tolerance) << path << " output " << n << ": got " << y[n] << ", want " << ys[n][0];
    }
    std::printf("rtneural %-34s %-14s 1 frame of %zu -> %zu outputs, max |error| %.3g (tolerance %.0e)\n",
                "conv_stateless.json", path.c_str(), frame.size(), ys.size(), max_error, tolerance);
  });
}

// Appends the imported model `piece` to `into` with every name prefixed, its input "x" reading `input`;
// returns the name of its output.
std::string splice(nlohmann::json& into, const nlohmann::json& piece, const std::string& prefix,
                   const std::string& input) {
  auto rename = [&](const nlohmann::json& n) -> nlohmann::json {
    std::string s = n.get<std::string>();
    return s.empty() ? s : s == "x" ? input : prefix + s;
  };
  for (nlohmann::json p : piece["params"]) {
    p["name"] = rename(p["name"]);
    into["params"].push_back(p);
  }
  for (nlohmann::json st : piece["states"]) {
    st["name"] = rename(st["name"]);
    st["next"] = rename(st["next"]);
    into["states"].push_back(st);
  }
  for (nlohmann::json node : piece["nodes"]) {
    for (auto& v : node["inputs"]) v = rename(v);
    for (auto& v : node["outputs"]) v = rename(v);
    into["nodes"].push_back(node);
  }
  return prefix + piece["outputs"][0].get<std::string>();
}

// microtcn: RTNeural's TCN block test wires four PyTorch state_dicts in C++ (no file records the wiring):
// y = PReLU(BatchNorm1d(Conv1d(1 -> 32, K 4, dilation 10)(x))) + Conv1d(1 -> 32, K 1)(x). Each state_dict
// is imported here and joined the same way; PyTorch's reference is the unpadded block, from call 30 on.
TEST(RtNeuralComposite, MicroTcnBlockMatchesPyTorch) {
  fs::path dir = kData / "models" / "microtcn";
  if (!fs::exists(dir / "conv1.json")) GTEST_SKIP() << "RTNeural conformance data not found";
  auto piece = [&](const char* file, RtNeuralOptions options) -> nlohmann::json {
    auto text = read_text_file((dir / file).string());
    EXPECT_TRUE(text);
    auto doc = JsonDocument::parse(*text, (dir / file).string());
    EXPECT_TRUE(doc);
    auto m = import_rtneural(*doc, "piece", options);
    EXPECT_TRUE(m) << format_diag(m.error());
    return *m;
  };
  nlohmann::json block = {{"format", "njc-model"},
                          {"version", 1},
                          {"name", "microtcn"},
                          {"inputs", {{{"name", "x"}, {"shape", {1, 1}}}}},
                          {"outputs", {"y"}},
                          {"params", nlohmann::json::array()},
                          {"states", nlohmann::json::array()},
                          {"nodes", nlohmann::json::array()}};
  std::string conv = splice(block, piece("conv1.json", RtNeuralOptions{{{"dilation", "10"}}}), "conv1/", "x");
  std::string bn = splice(block, piece("bn.json", {}), "bn/", conv);
  std::string act = splice(block, piece("relu.json", {}), "prelu/", bn);
  std::string res = splice(block, piece("res.json", {}), "res/", "x");
  block["nodes"].push_back({{"op", "Add"}, {"inputs", {act, res}}, {"outputs", {"y"}}});
  auto g = read_model_text(block.dump(), "microtcn (joined)", dir.string());
  ASSERT_TRUE(g) << format_diag(g.error());
  expect_streaming_matches(
      *g, ConformanceCase{"microtcn/*.json", "microtcn_x.csv", "microtcn_y.csv", 1e-6, true, 30});
}

TEST(RtNeuralImport, BadLstmIsRejectedWithAClearError) {
  if (!fs::exists(kData / "models" / "bad_lstm.json")) GTEST_SKIP() << "RTNeural conformance data not found";
  auto g = read_model_file((kData / "models" / "bad_lstm.json").string());
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().pointer, "/layers/0/weights/0");
  EXPECT_GT(g.error().line, 0);
  EXPECT_GT(g.error().col, 0);
  EXPECT_EQ(g.error().message,
            "lstm: weights have shape [1, 80] but the layer needs [1, 64] (from its input width 1 and "
            "declared shape)");
}

// Regroups a one-value-per-line table into rows of `width` (one frame per row).
Table frames(const Table& column, size_t width) {
  Table out;
  for (size_t i = 0; i + width <= column.size(); i += width) {
    out.emplace_back();
    for (size_t j = 0; j < width; ++j) out.back().push_back(column[i + j].at(0));
  }
  return out;
}

// conv2d.json: three Conv2D layers (time kernels 5, 4, 2 with dilations 2, 1, 3; feature kernels 5, 3, 3,
// strides 1, 2, 1; valid/same/valid), batchnorm2d and relu, streamed one 23-feature frame per call, 8
// features out. As in RTNeural's test, the stream's call 14 (its receptive field less one) matches Keras's
// frame 1 (the one frame of "same" left padding in time), for the 36 frames the input covers.
TEST(RtNeuralFrame, Conv2dStreamsOneFramePerCall) {
  if (!fs::exists(kData / "models" / "conv2d.json")) GTEST_SKIP() << "RTNeural conformance data not found";
  auto g = read_model_file((kData / "models" / "conv2d.json").string());
  ASSERT_TRUE(g) << format_diag(g.error());
  Table xs = frames(read_csv(kData / "test_data" / "conv2d_x_python.csv"), 23);
  Table ys = frames(read_csv(kData / "test_data" / "conv2d_y_python.csv"), 8);
  ASSERT_EQ(xs.size(), 50u);
  ASSERT_EQ(ys.size(), 39u);
  const int64_t receptive_field = 1 + (5 - 1) * 2 + (4 - 1) * 1 + (2 - 1) * 3;
  Table valid(ys.begin() + 1, ys.begin() + 1 + (50 - (receptive_field - 1)));
  expect_tables_match(*g,
                      ConformanceCase{"conv2d.json", "conv2d_x_python.csv", "conv2d_y_python.csv", 1e-6,
                                      false, receptive_field - 1},
                      xs, valid);
}

// The state_dict alone does not say a Conv1d's groups: without the option the 6-channel model reads as a
// 2-channel one, and the stray option is reported.
TEST(RtNeuralImport, TorchLayerOptionsAreChecked) {
  fs::path model = kData / "models" / "conv1d_torch_group_6_3_3_1_3.json";
  if (!fs::exists(model)) GTEST_SKIP() << "RTNeural conformance data not found";
  auto two = import_file(model, {});
  ASSERT_TRUE(two) << format_diag(two.error());
  EXPECT_EQ(two->value(two->inputs[0]).shape, (std::vector<int64_t>{1, 2}));
  auto stray = import_file(model, RtNeuralOptions{{{"conv.groups", "3"}}});
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().message, "option 'conv.groups=3' does not apply to any module of this state_dict");
  auto bad = import_file(model, RtNeuralOptions{{{"groups", "zero"}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "option 'groups' must be an integer >= 1, not 'zero'");
}

Expected<nlohmann::json> import_text(const std::string& text, const RtNeuralOptions& options) {
  auto doc = JsonDocument::parse(text, "state_dict.json");
  if (!doc) return doc.error();
  return import_rtneural(*doc, "m", options);
}

// nlohmann::json sorts keys ("a." before "b."); the modules must run in the file's order: b = Linear(1 -> 2),
// then a = Linear(2 -> 1): 1.5 -> [1.5, 3] -> 3 * 1.5 + 4 * 3 = 16.5. (In key order the model would be
// Linear(2 -> 1) then Linear(1 -> 2).)
TEST(RtNeuralImport, StateDictModulesRunInFileOrder) {
  auto m = import_text(R"({"b.weight": [[1], [2]], "a.weight": [[3, 4]]})", {});
  ASSERT_TRUE(m) << format_diag(m.error());
  auto g = read_model_text(m->dump(), "state_dict.json (imported)", ".");
  ASSERT_TRUE(g) << format_diag(g.error());
  ASSERT_EQ(g->value(g->inputs[0]).shape, (Shape{1, 1}));
  ASSERT_EQ(g->value(g->outputs[0]).shape, (Shape{1, 1}));
  GraphInterpreter interp(*g);
  EXPECT_FLOAT_EQ(interp.run({{1.5f}})[0][0], 16.5f);
}

TEST(RtNeuralImport, UpsamplingConvTransposeMustBeLast) {
  std::string text = R"({"up.weight": [[[1, 0]], [[0, 1]]], "out.weight": [[2]]})";
  RtNeuralOptions up{{{"up.transposed", "1"}, {"up.stride", "2"}}};
  auto m = import_text(text, up);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().pointer, "/out.weight");
  EXPECT_EQ(m.error().message,
            "out.weight: follows an upsampling ConvTranspose1d (stride > 1), which must be the last module");
  auto plain = import_text(text, RtNeuralOptions{{{"up.transposed", "1"}}});  // stride 1: no upsampling
  ASSERT_TRUE(plain) << format_diag(plain.error());
}

// `njc import` with --layer-option writes a model that matches PyTorch like the in-process import; bad or
// stray options are errors that leave no file behind.
TEST(RtNeuralImport, ImportCommandTakesLayerOptions) {
  fs::path model = kData / "models" / "conv1d_torch_group_6_3_4_10_3.json";
  if (!fs::exists(model)) GTEST_SKIP() << "RTNeural conformance data not found";
  fs::path out = fs::temp_directory_path() / ("njc-import-test-" + std::to_string(getpid()) + ".json");
  std::string cmd = std::string(NJC_TOOL) + " import '" + model.string() + "' -o '" + out.string() + "'";
  test::ToolResult ok = test::run_tool(cmd + " --layer-option groups=3 --layer-option dilation=10", ".");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  auto g = read_model_file(out.string());
  fs::remove(out);
  ASSERT_TRUE(g) << format_diag(g.error());
  expect_streaming_matches(*g, ConformanceCase{"conv1d_torch_group_6_3_4_10_3.json (njc import)",
                                               "conv1d_torch_group_x_python.csv",
                                               "conv1d_torch_group_y_python_6_3_4_10_3.csv", 1e-6, true, 30});
  test::ToolResult stray = test::run_tool(cmd + " --layer-option conv.groups=3", ".");
  EXPECT_EQ(stray.exit_code, 1);
  EXPECT_NE(stray.err.find("error: option 'conv.groups=3' does not apply to any module"), std::string::npos)
      << stray.err;
  test::ToolResult malformed = test::run_tool(cmd + " --layer-option groups", ".");
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_NE(malformed.err.find("--layer-option 'groups' is not KEY=VALUE"), std::string::npos)
      << malformed.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace njc
