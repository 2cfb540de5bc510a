// Layer ops against independent formulations: a streamed conv1d_stream equals one Conv over the whole
// sequence; lstm_cell/gru_cell over N calls equal ONNX LSTM/GRU over an N-step sequence; dense and the
// DNC ops equal their equations computed here.
#include <gtest/gtest.h>
#include <cmath>

#include "test/support/random_values.h"
#include "test/unit/ir/test_graphs.h"

namespace njc {
namespace {

using test::expect_near_all;
using test::graph_from_json;
using test::model_json;

std::string param(const char* name, const char* shape, int seed) {
  return std::string(R"({"name": ")") + name + R"(", "shape": )" + shape +
         R"(, "init": {"kind": "uniform", "low": -0.5, "high": 0.5, "seed": )" + std::to_string(seed) + "}}";
}

TEST(LayerOps, ConvStreamEqualsConvOverTheWholeSequence) {
  const int steps = 12, cin = 2, cout = 3, k = 3, dil = 2;
  std::string params = "[" + param("w", "[3, 2, 3]", 1) + ", " + param("b", "[3]", 2) + "]";
  Graph stream = graph_from_json(model_json(R"("inputs": [{"name": "x", "shape": [1, 2]}], "outputs": ["y"],
    "params": )" + params + R"(, "states": [{"name": "hist", "shape": [1, 2, 4], "next": "hist2"}],
    "nodes": [{"op": "conv1d_stream", "inputs": ["x", "w", "b", "hist"], "outputs": ["y", "hist2"],
               "attributes": {"dilation": 2}}])"));
  // The same convolution applied once to the whole (left-zero-padded) sequence.
  Graph whole =
      graph_from_json(model_json(R"("inputs": [{"name": "x", "shape": [1, 2, 12]}], "outputs": ["y"],
    "params": )" + params + R"(, "nodes": [{"op": "Conv", "inputs": ["x", "w", "b"], "outputs": ["y"],
               "attributes": {"dilations": [2], "pads": [4, 0]}}])"));
  std::vector<float> xs = test::random_values(steps * cin, 5);  // [t][c]
  std::vector<float> channel_major(xs.size());
  for (int t = 0; t < steps; ++t)
    for (int c = 0; c < cin; ++c) channel_major[c * steps + t] = xs[t * cin + c];
  std::vector<float> full = GraphInterpreter(whole).run({channel_major})[0];  // [m][t]
  GraphInterpreter s(stream);
  for (int t = 0; t < steps; ++t) {
    std::vector<float> y = s.run({{xs[t * cin], xs[t * cin + 1]}})[0];
    for (int m = 0; m < cout; ++m) EXPECT_NEAR(y[m], full[m * steps + t], 1e-6) << "t=" << t << " m=" << m;
  }
  (void)k, (void)dil;
}

// A recurrent cell run once per call must equal the ONNX op run over the whole sequence.
void expect_cell_matches_sequence_op(bool lstm) {
  const int steps = 5, in = 3, hidden = 4, gates = lstm ? 4 : 3;
  std::string g = std::to_string(gates * hidden);
  std::string params = "[" + param("W", ("[" + g + ", 3]").c_str(), 1) + ", " +
                       param("R", ("[" + g + ", 4]").c_str(), 2) + ", " +
                       param("B", ("[" + std::to_string(2 * gates * hidden) + "]").c_str(), 3) + "]";
  std::string states =
      lstm ? R"([{"name": "h", "shape": [1, 4], "next": "h2"}, {"name": "c", "shape": [1, 4], "next": "c2"}])"
           : R"([{"name": "h", "shape": [1, 4], "next": "h2"}])";
  std::string cell =
      lstm ? R"({"op": "lstm_cell", "inputs": ["x", "W", "R", "B", "h", "c"], "outputs": ["h2", "c2"]})"
           : R"({"op": "gru_cell", "inputs": ["x", "W", "R", "B", "h"], "outputs": ["h2"],
                                "attributes": {"linear_before_reset": 1}})";
  Graph cell_g = graph_from_json(model_json(R"("inputs": [{"name": "x", "shape": [1, 3]}], "outputs": ["h2"],
    "params": )" + params + R"(, "states": )" +
                                            states + R"(, "nodes": [)" + cell + "]"));
  std::string op = lstm ? "LSTM" : "GRU";
  std::string g3 = "[1, " + g;
  Graph seq_g =
      graph_from_json(model_json(R"("inputs": [{"name": "xs", "shape": [5, 1, 3]}], "outputs": ["y"],
    "params": )" + params + R"(, "nodes": [
      {"op": "Reshape", "inputs": ["W"], "outputs": ["W3"], "attributes": {"shape": )" +
                                 g3 + R"(, 3]}},
      {"op": "Reshape", "inputs": ["R"], "outputs": ["R3"], "attributes": {"shape": )" +
                                 g3 + R"(, 4]}},
      {"op": "Reshape", "inputs": ["B"], "outputs": ["B2"], "attributes": {"shape": [1, -1]}},
      {"op": ")" + op + R"(", "inputs": ["xs", "W3", "R3", "B2"], "outputs": ["y"],
       "attributes": {)" + (lstm ? "" : R"("linear_before_reset": 1)") +
                                 "}}]"));
  std::vector<float> xs = test::random_values(steps * in, 9);
  std::vector<float> y = GraphInterpreter(seq_g).run({xs})[0];  // [t][1][1][h]
  GraphInterpreter c(cell_g);
  for (int t = 0; t < steps; ++t) {
    std::vector<float> h = c.run({std::vector<float>(xs.begin() + t * in, xs.begin() + (t + 1) * in)})[0];
    for (int k = 0; k < hidden; ++k) EXPECT_NEAR(h[k], y[t * hidden + k], 1e-6) << op << " t=" << t;
  }
}

TEST(LayerOps, LstmCellEqualsOnnxLstmOverASequence) {
  expect_cell_matches_sequence_op(true);
}
TEST(LayerOps, GruCellEqualsOnnxGruOverASequence) {
  expect_cell_matches_sequence_op(false);
}

TEST(LayerOps, DenseWithActivations) {
  for (const char* act : {"none", "relu", "tanh", "sigmoid", "softmax"}) {
    Graph g = graph_from_json(model_json(R"("inputs": [{"name": "x", "shape": [1, 2]}], "outputs": ["y"],
      "params": [{"name": "w", "shape": [3, 2], "data": [1, 2, -3, 4, 0.5, -1]}, {"name": "b", "shape": [3], "data": [0.1, -0.2, 0.3]}],
      "nodes": [{"op": "dense", "inputs": ["x", "w", "b"], "outputs": ["y"], "attributes": {"activation": ")" +
                                         std::string(act) + R"("}}])"));
    std::vector<double> lin = {1 * 0.5 + 2 * -1.5 + 0.1, -3 * 0.5 + 4 * -1.5 - 0.2,
                               0.5 * 0.5 + -1 * -1.5 + 0.3};
    std::vector<double> want = lin;
    std::string a = act;
    double sum = 0;
    for (double v : lin) sum += std::exp(v);
    for (double& v : want) {
      double l = v;
      if (a == "relu") v = std::max(0.0, l);
      if (a == "tanh") v = std::tanh(l);
      if (a == "sigmoid") v = 1 / (1 + std::exp(-l));
      if (a == "softmax") v = std::exp(l) / sum;
    }
    expect_near_all(GraphInterpreter(g).run({{0.5f, -1.5f}})[0], want);
  }
}

// Content addressing written out: cosine similarity, sharpened by beta, softmax over rows.
std::vector<double> content_weights(const std::vector<float>& mem, int rows, int width, const float* key,
                                    double beta) {
  std::vector<double> w(static_cast<size_t>(rows));
  double kn = 0, sum = 0;
  for (int j = 0; j < width; ++j) kn += double(key[j]) * key[j];
  for (int r = 0; r < rows; ++r) {
    double dot = 0, mn = 0;
    for (int j = 0; j < width; ++j)
      dot += double(key[j]) * mem[r * width + j], mn += double(mem[r * width + j]) * mem[r * width + j];
    w[r] = std::exp(beta * dot / (std::sqrt(kn) * std::sqrt(mn) + 1e-6));
    sum += w[r];
  }
  for (double& v : w) v /= sum;
  return w;
}

TEST(LayerOps, DncWriteThenReadFollowTheEquations) {
  const int rows = 6, width = 4;
  Graph g = graph_from_json(
      model_json(R"("inputs": [{"name": "wk", "shape": [1, 4]}, {"name": "add", "shape": [1, 4]},
      {"name": "erase", "shape": [1, 4]}, {"name": "rk", "shape": [2, 4]}],
    "outputs": ["read", "weights"],
    "params": [{"name": "m0", "shape": [6, 4], "init": {"kind": "uniform", "seed": 4}},
               {"name": "wb", "shape": [1, 1], "data": [3.0]}, {"name": "rb", "shape": [2, 1], "data": [5.0, 0.5]}],
    "nodes": [{"op": "dnc_write", "inputs": ["m0", "wk", "wb", "erase", "add"], "outputs": ["m1"]},
              {"op": "dnc_read", "inputs": ["m1", "rk", "rb"], "outputs": ["read", "weights"]}])"));
  std::vector<float> wk = test::random_values(4, 1), add = test::random_values(4, 2),
                     erase = {0.2f, 0.9f, 0.5f, 0.0f}, rk = test::random_values(8, 3);
  InitSpec spec{"uniform", 0, -1, 1, 0, 1, 4};
  std::vector<float> m0 = deterministic_values(spec, rows * width);
  std::vector<double> ww = content_weights(m0, rows, width, wk.data(), 3.0);
  std::vector<float> m1(m0.size());
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < width; ++j)
      m1[r * width + j] = static_cast<float>(m0[r * width + j] * (1 - ww[r] * erase[j]) + ww[r] * add[j]);
  auto out = GraphInterpreter(g).run({wk, add, erase, rk});
  std::vector<double> want_read, want_weights;
  for (int head = 0; head < 2; ++head) {
    std::vector<double> rw = content_weights(m1, rows, width, rk.data() + head * width, head ? 0.5 : 5.0);
    want_weights.insert(want_weights.end(), rw.begin(), rw.end());
    for (int j = 0; j < width; ++j) {
      double acc = 0;
      for (int r = 0; r < rows; ++r) acc += rw[r] * m1[r * width + j];
      want_read.push_back(acc);
    }
  }
  expect_near_all(out[0], want_read);
  expect_near_all(out[1], want_weights);
}

}  // namespace
}  // namespace njc
