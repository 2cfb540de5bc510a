// RTNeural conformance (../shared/conformance/rtneural): each Keras-layout model runs one sample per call
// with state carried, through the import and the reference interpreter and through the JIT at every -O
// level and target, and must match the Keras output within RTNeural's own tolerance. Prints each path's
// max error. Skips when the data is absent.
#include <gtest/gtest.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "runtime/compiled_model.h"

namespace njc {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(NJC_SHARED_DIR) / "conformance" / "rtneural";

std::vector<float> read_csv_column(const fs::path& p) {
  std::ifstream in(p);
  std::vector<float> v;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(std::stof(line));
  return v;
}

struct ConformanceCase {
  const char* model;
  const char* x;
  const char* y;
  double tolerance;
};

class RtNeural : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(RtNeural, MatchesKerasOneSamplePerCall) {
  const ConformanceCase& c = GetParam();
  if (!fs::exists(kData / "models" / c.model))
    GTEST_SKIP() << "RTNeural conformance data not found at " << kData << " (it lives in ../shared)";
  auto g = read_model_file((kData / "models" / c.model).string());
  ASSERT_TRUE(g) << format_diag(g.error());
  std::vector<float> xs = read_csv_column(kData / "test_data" / c.x),
                     ys = read_csv_column(kData / "test_data" / c.y);
  ASSERT_EQ(xs.size(), ys.size());
  ASSERT_FALSE(xs.empty());
  auto check = [&](const std::string& path, const std::function<float(float)>& call) {
    double max_error = 0;
    for (size_t t = 0; t < xs.size(); ++t) {
      float y = call(xs[t]);
      double e = std::fabs(double(y) - ys[t]);
      max_error = std::max(max_error, e);
      ASSERT_LE(e, c.tolerance) << c.model << " " << path << " sample " << t << ": got " << y << ", want " << ys[t];
    }
    std::printf("rtneural %-14s %-14s %zu samples, max |error| %.3g (tolerance %.0e)\n", c.model, path.c_str(),
                xs.size(), max_error, c.tolerance);
  };
  GraphInterpreter interp(*g);
  check("interpreter", [&](float x) { return interp.run({{x}})[0][0]; });
  for (x86::Target target : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(target, x86::detect_cpu())) continue;
    for (int level = 0; level <= 3; ++level) {
      runtime::ModelOptions o;
      o.target = target;
      o.opt_level = level;
      auto model = runtime::CompiledModel::compile(*g, o);
      ASSERT_TRUE(model) << model.error().message;
      runtime::ModelInstance jit(*model);
      check("jit " + std::string(x86::target_name(target)) + " O" + std::to_string(level), [&](float x) {
        jit.input(0)[0] = x;
        jit.run();
        return jit.output(0)[0];
      });
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Keras, RtNeural,
    ::testing::Values(ConformanceCase{"dense.json", "dense_x_python.csv", "dense_y_python.csv", 1e-6},
                      ConformanceCase{"lstm.json", "lstm_x_python.csv", "lstm_y_python.csv", 1e-6},
                      ConformanceCase{"lstm_1d.json", "lstm_1d_x_python.csv", "lstm_1d_y_python.csv", 1e-6},
                      ConformanceCase{"gru.json", "gru_x_python.csv", "gru_y_python.csv", 5e-6},
                      ConformanceCase{"gru_1d.json", "gru_1d_x_python.csv", "gru_1d_y_python.csv", 1e-6},
                      ConformanceCase{"conv.json", "conv_x_python.csv", "conv_y_python.csv", 1e-6}),
    [](const ::testing::TestParamInfo<ConformanceCase>& info) {
      std::string n = info.param.model;
      return n.substr(0, n.find('.'));
    });

TEST(RtNeuralImport, BadLstmIsRejectedWithAClearError) {
  if (!fs::exists(kData / "models" / "bad_lstm.json")) GTEST_SKIP() << "RTNeural conformance data not found";
  auto g = read_model_file((kData / "models" / "bad_lstm.json").string());
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().pointer, "/layers/0/weights/0");
  EXPECT_EQ(g.error().message,
            "lstm: weights have shape [1, 80] but the layer needs [1, 64] (from its input width 1 and "
            "declared shape)");
}

}  // namespace
}  // namespace njc
