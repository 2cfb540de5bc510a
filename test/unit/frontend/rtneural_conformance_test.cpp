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
};

class RtNeural : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(RtNeural, MatchesReferenceOneSamplePerCall) {
  const ConformanceCase& c = GetParam();
  if (!fs::exists(kData / "models" / c.model))
    GTEST_SKIP() << "RTNeural conformance data not found at " << kData << " (it lives in ../shared)";
  auto g = import_file(kData / "models" / c.model, RtNeuralOptions{c.options});
  ASSERT_TRUE(g) << format_diag(g.error());
  Table xs = read_csv(kData / "test_data" / c.x), ys = read_csv(kData / "test_data" / c.y);
  if (c.torch) ys = transpose(ys);
  ASSERT_FALSE(ys.empty());
  ASSERT_GE(xs.size(), size_t(c.first) + (ys.size() - 1) * c.every + 1) << "fewer inputs than outputs";
  size_t in_width = xs[0].size(), out_width = ys[0].size();
  auto check = [&](const std::string& path, const std::function<const float*(const float*)>& call) {
    double max_error = 0;
    for (size_t t = 0; t < xs.size(); ++t) {
      ASSERT_EQ(xs[t].size(), in_width);
      const float* y = call(xs[t].data());
      if (int64_t(t) < c.first) continue;
      size_t n = (t - size_t(c.first)) / size_t(c.every);  // a strided output holds between its calls
      if (n >= ys.size()) break;
      for (size_t j = 0; j < out_width; ++j) {
        double e = std::fabs(double(y[j]) - ys[n][j]);
        max_error = std::max(max_error, e);
        ASSERT_LE(e, c.tolerance) << c.model << " " << path << " call " << t << " output " << j << ": got "
                                  << y[j] << ", want " << ys[n][j];
      }
    }
    std::printf("rtneural %-34s %-14s %zu outputs x %zu, max |error| %.3g (tolerance %.0e)\n", c.model,
                path.c_str(), ys.size(), out_width, max_error, c.tolerance);
  };
  ASSERT_EQ(g->inputs.size(), 1u);
  GraphInterpreter interp(*g);
  std::vector<float> last;
  check("interpreter", [&](const float* x) {
    last = interp.run({std::vector<float>(x, x + in_width)})[0];
    EXPECT_EQ(last.size(), out_width);
    return last.data();
  });
  for (x86::Target target : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(target, x86::detect_cpu())) continue;
    for (int level = 0; level <= 3; ++level) {
      runtime::ModelOptions o;
      o.target = target;
      o.opt_level = level;
      auto model = runtime::CompiledModel::compile(*g, o);
      ASSERT_TRUE(model) << model.error().message;
      runtime::ModelInstance jit(*model);
      check("jit " + std::string(x86::target_name(target)) + " O" + std::to_string(level),
            [&](const float* x) {
              std::copy(x, x + in_width, jit.input(0));
              jit.run();
              return jit.output(0);
            });
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<ConformanceCase>& info) {
  std::string n = info.param.model;
  n = n.substr(0, n.find('.'));
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
INSTANTIATE_TEST_SUITE_P(PyTorch, RtNeural,
                         ::testing::Values(ConformanceCase{"lstm_torch.json", "lstm_torch_x_python.csv",
                                                           "lstm_torch_y_python.csv", 1e-6},
                                           ConformanceCase{"gru_torch.json", "gru_torch_x_python.csv",
                                                           "gru_torch_y_python.csv", 1e-6},
                                           ConformanceCase{"conv1d_torch.json", "conv1d_torch_x_python.csv",
                                                           "conv1d_torch_y_python.csv", 1e-6, true, 4},
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
                                                           {{"groups", "6"}}}),
                         case_name);

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

TEST(RtNeuralImport, Conv2dIsRejectedNamingTheLayer) {
  if (!fs::exists(kData / "models" / "conv2d.json")) GTEST_SKIP() << "RTNeural conformance data not found";
  auto g = read_model_file((kData / "models" / "conv2d.json").string());
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().pointer, "/layers/0/type");
  EXPECT_NE(
      g.error().message.find("RTNeural layer type 'conv2d' is not supported: njc's convolutions are 1-D"),
      std::string::npos)
      << g.error().message;
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

}  // namespace
}  // namespace njc
