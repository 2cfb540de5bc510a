// The lowering to loop IR against the reference interpreter: every lowered op on random shapes (1, primes,
// powers of two), the bundled examples whose ops all lower, calls carrying state, batches, and each
// kernel after the -O0..-O3 pipelines for every target. Tolerance: fp32 reassociation and the loop
// interpreter's fp32 math against the reference's double math.
#include "passes/lower_graph.h"

#include <gtest/gtest.h>
#include <cmath>
#include <filesystem>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "ir/graph_printer.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "test/support/random_values.h"

namespace njc {
namespace {

using test::random_values;

// Lowers g, optionally runs a pipeline level on every kernel, and compares `calls` calls with the graph
// interpreter on the same random inputs.
void expect_lowering_matches(const Graph& g, int level, const passes::TargetDesc& target, int calls = 3,
                             const std::string& what = "") {
  auto lowered = passes::lower_graph(g);
  ASSERT_TRUE(lowered) << what << ": " << lowered.error().message;
  for (loop::Kernel& k : lowered->module.kernels) {
    ASSERT_TRUE(loop::verify(k)) << what << ": kernel " << k.name << ": " << loop::verify(k).error().message;
    if (level > 0) {
      passes::RunConfig config;
      config.target = target;
      passes::PassManager pm(config);
      std::string dump;
      Status s = pm.run(passes::default_pipeline(level, k, target), k, dump);
      ASSERT_TRUE(s) << what << " O" << level << " kernel " << k.name << ": " << s.error().message;
    }
  }
  GraphInterpreter reference(g);
  passes::LoweredModelInterpreter lowered_run(*lowered);
  for (int call = 0; call < calls; ++call) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < g.inputs.size(); ++i)
      inputs.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), 100 * call + i));
    auto want = reference.run(inputs);
    auto got = lowered_run.run(inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t o = 0; o < want.size(); ++o) {
      ASSERT_EQ(got[o].size(), want[o].size());
      for (size_t e = 0; e < want[o].size(); ++e)
        ASSERT_NEAR(got[o][e], want[o][e], 1e-5 * std::fabs(want[o][e]) + 2e-6)
            << what << " O" << level << " call " << call << " output " << o << " element " << e;
    }
  }
}

Graph parse(const std::string& text) {
  auto g = parse_graph(text, "test.graph");
  if (!g) ADD_FAILURE() << format_diag(g.error()) << text;
  return g ? std::move(*g) : Graph{};
}

std::string param_text(const std::string& name, const Shape& shape, uint64_t seed) {
  std::string s = "  param %" + name + " : " + shape_to_string(shape) + " = [";
  std::vector<float> v = random_values(num_elements(shape), seed);
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + float_text(v[i], true);
  return s + "]\n";
}

const int64_t kSizes[] = {1, 2, 3, 7, 16, 17};

TEST(LowerGraph, DenseLayersWithFusedEpiloguesAtEveryLevel) {
  for (int64_t m : {1, 3})
    for (int64_t k : kSizes)
      for (int64_t n : {1, 5, 16, 33}) {
        std::string text = "graph @d batch 1 {\n  input %x : [" + std::to_string(m) + ", " +
                           std::to_string(k) + "]\n" + param_text("w", {n, k}, 1) + param_text("b", {n}, 2) +
                           "  %y = Gemm(%x, %w, %b) {transB = 1} : [" + std::to_string(m) + ", " +
                           std::to_string(n) + "]\n" + "  %z = Tanh(%y) : [" + std::to_string(m) + ", " +
                           std::to_string(n) + "]\n  output %z\n}\n";
        Graph g = parse(text);
        for (int level = 0; level <= 3; ++level)
          expect_lowering_matches(
              g, level, passes::TargetDesc::avx512(), 1,
              "dense m=" + std::to_string(m) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
      }
}

TEST(LowerGraph, EveryElementwiseOpWithBroadcasting) {
  const char* unary[] = {
      "Relu",     "Sigmoid",     "Tanh",      "Exp",  "Neg",   "Abs",      "Elu",
      "Softplus", "HardSigmoid", "HardSwish", "Selu", "Celu",  "Softsign", "ThresholdedRelu",
      "Shrink",   "Sign",        "Floor",     "Ceil", "Round", "Sin",      "Cos"};
  for (const char* op : unary)
    for (int level : {0, 3}) {
      Graph g = parse(std::string("graph @u batch 2 {\n  input %x : [3, 5]\n  %y = ") + op +
                      "(%x) : [3, 5]\n  output %y\n}\n");
      expect_lowering_matches(g, level, passes::TargetDesc::avx512(), 1, op);
    }
  Graph recip = parse(
      "graph @r batch 1 {\n  input %x : [9]\n  %a = Abs(%x) : [9]\n  %c = Clip(%a) {min = 0.125} : [9]\n"
      "  %y = Reciprocal(%c) : [9]\n  output %y\n}\n");
  expect_lowering_matches(recip, 3, passes::TargetDesc::avx2(), 1, "Reciprocal");
  // Sin and Cos over several periods, Round at exact halves (ties to even).
  Graph wide = parse(
      "graph @w batch 1 {\n  input %x : [40]\n  param %k : [] = [37.5]\n  %s = Mul(%x, %k) : [40]\n"
      "  %a = Sin(%s) : [40]\n  %b = Cos(%s) : [40]\n  %f = Floor(%s) : [40]\n  param %h : [] = [0.5]\n"
      "  %g = Mul(%f, %h) : [40]\n  %r = Round(%g) : [40]\n  output %a\n  output %b\n  output %r\n}\n");
  for (int level = 0; level <= 3; ++level)
    expect_lowering_matches(wide, level, passes::TargetDesc::sse(), 2, "wide");
  Graph attrs = parse(
      "graph @a batch 1 {\n  input %x : [4, 6]\n  %y = LeakyRelu(%x) {alpha = 0.3} : [4, 6]\n"
      "  %z = Clip(%y) {max = 0.5, min = -0.25} : [4, 6]\n  output %z\n}\n");
  expect_lowering_matches(attrs, 2, passes::TargetDesc::avx2(), 1, "attrs");
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Min", "Max", "PRelu"}) {
    Graph g = parse(std::string("graph @b batch 3 {\n  input %x : [2, 1, 5]\n  input %y : [3, 1]\n  %z = ") +
                    op + "(%x, %y) : [2, 3, 5]\n  output %z\n}\n");
    expect_lowering_matches(g, 3, passes::TargetDesc::sse(), 1, op);
  }
  // Pow: fractional exponents of positive bases; integer exponents of negative bases keep or flip the
  // sign; x^0 = 1.
  Graph pow = parse(
      "graph @p batch 1 {\n  input %x : [2, 4]\n  param %e : [4] = [0.0, 1.0, 2.0, 3.0]\n"
      "  param %f : [4] = [0.5, -1.5, 2.25, -3.0]\n  %a = Abs(%x) : [2, 4]\n  %y = Pow(%x, %e) : [2, 4]\n"
      "  %z = Pow(%a, %f) : [2, 4]\n  output %y\n  output %z\n}\n");
  for (int level = 0; level <= 3; ++level)
    expect_lowering_matches(pow, level, passes::TargetDesc::avx2(), 2, "pow");
  Graph logs = parse(
      "graph @l batch 1 {\n  input %x : [8]\n  %a = Abs(%x) : [8]\n  %l = Log(%a) : [8]\n"
      "  %s = Sqrt(%a) : [8]\n  %o = Add(%l, %s) : [8]\n  output %o\n}\n");
  expect_lowering_matches(logs, 3, passes::TargetDesc::avx512(), 1, "log/sqrt");
}

// States with initial values: the lowered model starts (and resets) each instance from them.
TEST(LowerGraph, StatesStartFromTheirInitialValues) {
  Graph g = parse(
      "graph @s batch 2 {\n  input %x : [3]\n  state %h : [3] = [0.5, -1.25, 2.0]\n  state %z : [3]\n"
      "  %y = Add(%h, %x) : [3]\n  %w = Mul(%y, %h) : [3]\n  %v = Add(%w, %z) : [3]\n  next %h = %y\n"
      "  next %z = %v\n  output %v\n}\n");
  for (int level = 0; level <= 3; ++level)
    expect_lowering_matches(g, level, passes::TargetDesc::avx2(), 3, "init");
  auto lowered = passes::lower_graph(g);
  ASSERT_TRUE(lowered);
  passes::LoweredModelInterpreter run(*lowered);
  std::vector<float> zeros(6, 0.0f);
  auto first = run.run({zeros});
  run.run({zeros});
  run.reset_state();
  EXPECT_EQ(run.run({zeros}), first);
  EXPECT_EQ(first[0], (std::vector<float>{0.25f, 1.5625f, 4.0f, 0.25f, 1.5625f, 4.0f}));
}

TEST(LowerGraph, MatMulWithBatchBroadcastAndVectors) {
  expect_lowering_matches(parse("graph @m batch 1 {\n  input %a : [2, 1, 3, 4]\n  input %b : [5, 4, 6]\n"
                                "  %c = MatMul(%a, %b) : [2, 5, 3, 6]\n  output %c\n}\n"),
                          3, passes::TargetDesc::avx512(), 1, "batched matmul");
  expect_lowering_matches(parse("graph @v batch 2 {\n  input %a : [7]\n  input %b : [7, 3]\n"
                                "  %c = MatMul(%a, %b) : [3]\n  output %c\n}\n"),
                          3, passes::TargetDesc::avx2(), 1, "vector x matrix");
  expect_lowering_matches(
      parse("graph @g batch 1 {\n  input %a : [4, 3]\n  input %b : [5, 4]\n  input %c : [5]\n"
            "  %y = Gemm(%a, %b, %c) {alpha = 0.5, beta = 2.0, transA = 1, transB = 1} : [3, 5]\n"
            "  output %y\n}\n"),
      3, passes::TargetDesc::avx512(), 1, "gemm with every attribute");
}

TEST(LowerGraph, SoftmaxReductionsAndDataMovement) {
  const char* cases[] = {
      "graph @s batch 2 {\n  input %x : [3, 5]\n  %y = Softmax(%x) {axis = 0} : [3, 5]\n  output %y\n}\n",
      "graph @s batch 1 {\n  input %x : [2, 17]\n  %y = LogSoftmax(%x) : [2, 17]\n  output %y\n}\n",
      "graph @r batch 1 {\n  input %x : [2, 3, 4]\n  %y = ReduceSum(%x) {axes = [0, 2]} : [1, 3, 1]\n  "
      "output %y\n}\n",
      "graph @r batch 2 {\n  input %x : [2, 3, 4]\n  %y = ReduceMean(%x) {keepdims = 0} : []\n  output "
      "%y\n}\n",
      "graph @r batch 1 {\n  input %x : [5, 3]\n  %y = ReduceMax(%x) {axes = [-1], keepdims = 0} : [5]\n  "
      "output %y\n}\n",
      "graph @r batch 2 {\n  input %x : [5, 3]\n  %y = ReduceMin(%x) {axes = [0]} : [1, 3]\n  output %y\n}\n",
      "graph @r batch 1 {\n  input %x : [2, 3, 4]\n  %y = ReduceProd(%x) {axes = [1]} : [2, 1, 4]\n  output "
      "%y\n}\n",
      "graph @r batch 1 {\n  input %x : [2, 3, 4]\n  %y = ReduceL1(%x) {axes = [2], keepdims = 0} : [2, 3]\n "
      " "
      "output %y\n}\n",
      "graph @r batch 2 {\n  input %x : [2, 9]\n  %y = ReduceL2(%x) {axes = [1]} : [2, 1]\n  output %y\n}\n",
      "graph @r batch 1 {\n  input %x : [4, 17]\n  %y = ReduceSumSquare(%x) : [1, 1]\n  output %y\n}\n",
      "graph @r batch 1 {\n  input %x : [3, 5]\n  %a = Abs(%x) : [3, 5]\n  %y = ReduceLogSum(%a) {axes = "
      "[1]} : "
      "[3, 1]\n  output %y\n}\n",
      "graph @r batch 1 {\n  input %x : [3, 5]\n  %y = ReduceLogSumExp(%x) {axes = [0], keepdims = 0} : "
      "[5]\n  "
      "output %y\n}\n",
      "graph @c batch 2 {\n  input %x : [2, 3]\n  input %y : [2, 4]\n  %z = Concat(%x, %y, %x) {axis = 1} : "
      "[2, 10]\n"
      "  output %z\n}\n",
      "graph @t batch 1 {\n  input %x : [2, 3, 4]\n  %y = Transpose(%x) {perm = [2, 0, 1]} : [4, 2, 3]\n  "
      "output %y\n}\n",
      "graph @sl batch 2 {\n  input %x : [9, 4]\n  %y = Slice(%x) {axes = [0], ends = [-100], starts = [-2], "
      "steps = [-3]} : [3, 4]\n"
      "  output %y\n}\n",
      "graph @rs batch 2 {\n  input %x : [2, 6]\n  %y = Reshape(%x) {shape = [3, 4]} : [3, 4]\n  %z = "
      "Relu(%y) : [3, 4]\n"
      "  %w = Reshape(%z) {shape = [12]} : [12]\n  output %w\n}\n",
  };
  for (const char* text : cases)
    expect_lowering_matches(parse(text), 3, passes::TargetDesc::avx512(), 1, text);
}

TEST(LowerGraph, StateCarriesAcrossCalls) {
  expect_lowering_matches(
      parse("graph @acc batch 3 {\n  input %x : [4]\n  state %s : [4]\n  %t = Add(%s, %x) : [4]\n"
            "  %u = Tanh(%t) : [4]\n  next %s = %u\n  output %t\n}\n"),
      3, passes::TargetDesc::avx512(), 4, "recurrent accumulator");
}

TEST(LowerGraph, BundledExamplesWhoseOpsAllLower) {
  for (const char* name : {"mlp.json", "mlp_batch.json", "dnc_memory.json"}) {
    auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
    ASSERT_TRUE(g) << format_diag(g.error());
    for (int level = 0; level <= 3; ++level)
      for (auto target :
           {passes::TargetDesc::avx512(), passes::TargetDesc::avx2(), passes::TargetDesc::sse()})
        expect_lowering_matches(*g, level, target, 3, name);
  }
}

TEST(LowerGraph, DenseReluChainIsOneKernel) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  ASSERT_TRUE(g);
  auto lowered = passes::lower_graph(*g);
  ASSERT_TRUE(lowered);
  EXPECT_EQ(lowered->module.kernels.size(), 3u);  // three dense layers, bias and ReLU fused into each
}

TEST(LowerGraph, ElementwiseChainsAreOneNestWithoutIntermediateBuffers) {
  Graph g = parse(
      "graph @chain batch 2 {\n  input %x : [3, 4]\n  input %y : [4]\n  %a = Add(%x, %y) : [3, 4]\n"
      "  %t = Tanh(%a) : [3, 4]\n  %m = Mul(%t, %x) : [3, 4]\n  %r = Relu(%m) : [3, 4]\n  output %r\n}\n");
  auto lowered = passes::lower_graph(g);
  ASSERT_TRUE(lowered);
  ASSERT_EQ(lowered->module.kernels.size(), 1u);
  for (const loop::Buffer& b : lowered->module.kernels[0].buffers)
    EXPECT_TRUE(b.name == "x" || b.name == "y" || b.name == "r") << b.name;
  expect_lowering_matches(g, 3, passes::TargetDesc::avx512(), 1, "chain");
}

TEST(LowerGraph, EveryBundledExampleAtEveryLevelAndTarget) {
  for (const char* name : {"npc_brain.json", "gru_audio.json"}) {
    auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
    ASSERT_TRUE(g) << format_diag(g.error());
    for (int level = 0; level <= 3; ++level)
      for (auto target :
           {passes::TargetDesc::avx512(), passes::TargetDesc::avx2(), passes::TargetDesc::sse()})
        expect_lowering_matches(*g, level, target, 4, name);
  }
}

std::string rnn_graph(const char* op, int64_t gates, const std::string& attrs, bool peepholes, bool layout1,
                      int64_t dirs, bool with_initial, int64_t hidden = 5, int64_t seq = 4) {
  int64_t batch = 2, in = 3;
  auto sh = [](std::vector<int64_t> v) { return shape_to_string(v); };
  std::string x = layout1 ? sh({batch, seq, in}) : sh({seq, batch, in});
  std::string state = layout1 ? sh({batch, dirs, hidden}) : sh({dirs, batch, hidden});
  std::string y = layout1 ? sh({batch, seq, dirs, hidden}) : sh({seq, dirs, batch, hidden});
  std::string text = "graph @rnn batch 2 {\n  input %x : " + x + "\n";
  if (with_initial) text += "  input %h0 : " + state + "\n";
  if (with_initial && gates == 4) text += "  input %c0 : " + state + "\n";
  text += param_text("W", {dirs, gates * hidden, in}, 1) +
          param_text("R", {dirs, gates * hidden, hidden}, 2) + param_text("B", {dirs, 2 * gates * hidden}, 3);
  if (peepholes) text += param_text("P", {dirs, 3 * hidden}, 4);
  std::string ins = "%x, %W, %R, %B, _, " + std::string(with_initial ? "%h0" : "_");
  if (gates == 4) ins += std::string(", ") + (with_initial ? "%c0" : "_") + (peepholes ? ", %P" : "");
  std::string outs = gates == 4 ? "%y, %yh, %yc" : "%y, %yh";
  std::string types = gates == 4 ? y + ", " + state + ", " + state : y + ", " + state;
  text += "  " + outs + " = " + op + "(" + ins + ") {" + attrs + (layout1 ? ", layout = 1" : "") +
          "} : " + types + "\n";
  text += "  output %y\n  output %yh\n" + std::string(gates == 4 ? "  output %yc\n" : "") + "}\n";
  return text;
}

TEST(LowerGraph, LstmInEveryDirectionLayoutAndOption) {
  struct Case {
    const char* attrs;
    bool peep, layout1;
    int64_t dirs;
    bool initial;
  };
  const Case cases[] = {{"hidden_size = 5", false, false, 1, false},
                        {"direction = \"reverse\"", true, false, 1, true},
                        {"direction = \"bidirectional\"", true, true, 2, true},
                        {"clip = 0.4", false, false, 1, true},
                        {"activations = [\"Sigmoid\", \"Relu\", \"Tanh\"]", false, true, 1, false}};
  for (const Case& c : cases) {
    Graph g = parse(rnn_graph("LSTM", 4, c.attrs, c.peep, c.layout1, c.dirs, c.initial));
    for (int level : {0, 3}) expect_lowering_matches(g, level, passes::TargetDesc::avx512(), 2, c.attrs);
  }
}

TEST(LowerGraph, GruInBothResetModesDirectionsAndLayouts) {
  for (const char* attrs : {"linear_before_reset = 0", "linear_before_reset = 1",
                            "direction = \"bidirectional\", linear_before_reset = 1",
                            "direction = \"reverse\", linear_before_reset = 0, clip = 0.5"}) {
    bool bidi = std::string(attrs).find("bidirectional") != std::string::npos;
    for (bool layout1 : {false, true}) {
      Graph g = parse(rnn_graph("GRU", 3, attrs, false, layout1, bidi ? 2 : 1, layout1));
      for (int level : {0, 3}) expect_lowering_matches(g, level, passes::TargetDesc::avx2(), 2, attrs);
    }
  }
}

// One step of a cell (as lstm_cell and gru_cell lower) and sequences of 3 steps, with hidden sizes that
// fill vectors: at O3 the units run on lanes (in a sequence too: step t reads h[t - 1] and stores h[t]),
// and when they take more than one vector relayout stores the gate weights per block of lanes (with two
// directions, the direction joins the k digit): [block][dir, k][gate][lanes].
TEST(LowerGraph, RecurrentCellsWithWeightsInBlocksOfLanes) {
  for (int64_t seq : {1, 3})
    for (int64_t hidden : {16, 32})
      for (auto target : {passes::TargetDesc::avx512(), passes::TargetDesc::avx2()}) {
        std::string h = "seq " + std::to_string(seq) + " hidden_size " + std::to_string(hidden) + " lanes " +
                        std::to_string(target.vector_lanes);
        Graph lstm =
            parse(rnn_graph("LSTM", 4, "direction = \"bidirectional\"", true, false, 2, true, hidden, seq));
        expect_lowering_matches(lstm, 3, target, 2, h);
        Graph gru = parse(rnn_graph("GRU", 3, "linear_before_reset = 0", false, true, 1, false, hidden, seq));
        expect_lowering_matches(gru, 3, target, 2, h);
        for (const Graph* g : {&lstm, &gru}) {  // this tests relayout, not only O3
          int relaid = 0;
          auto lowered = passes::lower_graph(*g);
          for (const loop::Kernel& k : lowered->module.kernels)
            relaid += passes::format_pipeline(passes::default_pipeline(3, k, target)).find("relayout") !=
                      std::string::npos;
          EXPECT_EQ(relaid > 0, hidden > target.vector_lanes) << h;
        }
      }
}

// A model batch of dense layers with a constant B folds into the row loop (instance b's row i is row
// b*M + i): one matrix product over all instances. C and epilogue operands of each kind that keeps the
// folding (instance data of y's shape, constants whose rows broadcast), and one that does not (a
// constant [M, N] with M > 1: per-instance rows of a constant), at every level and target.
TEST(LowerGraph, DenseLayersOfABatchAsOneMatrixProduct) {
  struct Case {
    int64_t batch, m;
    std::string
        extra;  // "c": a per-instance C of y's shape; "row": an epilogue constant [1, N]; "mn": [M, N]
    bool folds;
  };
  const Case cases[] = {{3, 1, "", true},    {16, 1, "row", true}, {7, 3, "c", true},
                        {5, 2, "mn", false}, {13, 1, "c", true},   {2, 4, "", true}};
  const int64_t k = 7, n = 16;
  for (const Case& c : cases) {
    std::string y = shape_to_string({c.m, n});
    std::string text =
        "graph @d batch " + std::to_string(c.batch) + " {\n  input %x : " + shape_to_string({c.m, k}) + "\n" +
        (c.extra == "c" ? "  input %c : " + y + "\n" : "") + param_text("w", {n, k}, 1) +
        param_text("b", {n}, 2) + param_text("e", c.extra == "mn" ? Shape{c.m, n} : Shape{1, n}, 3) +
        "  %y = Gemm(%x, %w, " + (c.extra == "c" ? "%c" : "%b") + ") {transB = 1} : " + y + "\n";
    text += c.extra == "row" || c.extra == "mn"
                ? "  %s = Add(%y, %e) : " + y + "\n  %z = Relu(%s) : " + y + "\n"
                : "  %z = Relu(%y) : " + y + "\n";
    text += "  output %z\n}\n";
    Graph g = parse(text);
    std::string what = "batch " + std::to_string(c.batch) + " m " + std::to_string(c.m) + " " + c.extra;
    auto lowered = passes::lower_graph(g);
    ASSERT_TRUE(lowered);
    std::string rows = "for %i = 0 to " + std::to_string(c.batch * c.m) + " ";
    EXPECT_EQ(loop::print(lowered->module.kernels[0]).find(rows) != std::string::npos, c.folds) << what;
    for (int level = 0; level <= 3; ++level)
      for (auto target :
           {passes::TargetDesc::avx512(), passes::TargetDesc::avx2(), passes::TargetDesc::sse()})
        expect_lowering_matches(g, level, target, 2, what);
  }
}

// One step of a cell for a model batch, as graph states carried between calls (as a model file's
// LSTM/GRU layer and the NPC swarm compile it), in every variant that lowers across instances: the gate
// products a kernel of their own (<node>.gates), the instances on its rows. The clipped cases take their
// bias as an input (per instance) rather than a constant.
std::string cell_step_graph(const char* op, int64_t batch, int64_t hidden, const std::string& attrs,
                            bool peepholes, bool layout1, bool with_state) {
  int64_t gates = std::string(op) == "LSTM" ? 4 : 3, in = 6;
  std::string state = shape_to_string({1, 1, hidden});
  std::string text =
      "graph @cell batch " + std::to_string(batch) + " {\n  input %x : [1, 1, " + std::to_string(in) + "]\n";
  if (with_state) text += "  state %h : " + state + "\n" + (gates == 4 ? "  state %c : " + state + "\n" : "");
  text += param_text("W", {1, gates * hidden, in}, 1) + param_text("R", {1, gates * hidden, hidden}, 2);
  // A bias computed per instance (an input) where the attributes say so, else a constant.
  bool input_bias = attrs.find("clip") != std::string::npos;
  text += input_bias ? "  input %B : " + shape_to_string({1, 2 * gates * hidden}) + "\n"
                     : param_text("B", {1, 2 * gates * hidden}, 3);
  if (peepholes) text += param_text("P", {1, 3 * hidden}, 4);
  std::string ins = "%x, %W, %R, %B, _, " + std::string(with_state ? "%h" : "_");
  if (gates == 4) ins += std::string(", ") + (with_state ? "%c" : "_") + (peepholes ? ", %P" : "");
  std::string y = shape_to_string({1, 1, 1, hidden});
  std::string outs = gates == 4 ? "%y, %yh, %yc" : "%y, %yh";
  std::string types = gates == 4 ? y + ", " + state + ", " + state : y + ", " + state;
  text += "  " + outs + " = " + op + "(" + ins + ") {hidden_size = " + std::to_string(hidden) + attrs +
          (layout1 ? ", layout = 1" : "") + "} : " + types + "\n  output %y\n";
  if (with_state) text += "  next %h = %yh\n" + std::string(gates == 4 ? "  next %c = %yc\n" : "");
  return text + "}\n";
}

TEST(LowerGraph, CellStepsOfABatchAsMatrixProductsAcrossInstances) {
  struct Case {
    const char* op;
    std::string attrs;
    bool peep, layout1, state;
  };
  const Case cases[] = {{"LSTM", "", false, false, true},
                        {"LSTM", ", clip = 0.4", true, true, true},
                        {"LSTM", ", activations = [\"Sigmoid\", \"Relu\", \"Tanh\"]", false, false, false},
                        {"GRU", ", linear_before_reset = 0", false, false, true},
                        {"GRU", ", linear_before_reset = 1", false, true, true},
                        {"GRU", ", linear_before_reset = 0, clip = 0.5", false, false, false},
                        {"GRU", ", linear_before_reset = 1", false, false, false}};
  for (const Case& c : cases)
    for (int64_t batch : {2, 7, 13})
      for (int64_t hidden : {5, 16}) {
        Graph g = parse(cell_step_graph(c.op, batch, hidden, c.attrs, c.peep, c.layout1, c.state));
        std::string what = std::string(c.op) + c.attrs + " batch " + std::to_string(batch) + " hidden " +
                           std::to_string(hidden) + (c.state ? " with state" : "");
        auto lowered = passes::lower_graph(g);
        ASSERT_TRUE(lowered);
        bool products = false;
        for (const loop::Kernel& k : lowered->module.kernels)
          products |= k.name.find(".gates") != std::string::npos;
        EXPECT_TRUE(products) << what;
        for (int level : {0, 1, 3})
          for (auto target :
               {passes::TargetDesc::avx512(), passes::TargetDesc::avx2(), passes::TargetDesc::sse()})
            expect_lowering_matches(g, level, target, 3, what);
      }
}

TEST(LowerGraph, ConvWithPadsStridesDilationsAndGroups) {
  struct Case {
    Shape x, w;
    std::string attrs;
  };
  const Case cases[] = {{{1, 4, 9}, {6, 2, 3}, "dilations = [2], group = 2, pads = [2, 1], strides = [2]"},
                        {{2, 3, 7}, {4, 3, 3}, "auto_pad = \"SAME_UPPER\""},
                        {{1, 1, 5}, {1, 1, 5}, "pads = [0, 0]"},
                        {{1, 6, 8}, {6, 1, 2}, "group = 6, strides = [3]"}};
  for (const Case& c : cases) {
    Node n{OpKind::Conv, {0, 1, 2}, {0}, {}};
    auto parsed = parse_graph("graph @p batch 1 {\n  input %x : " + shape_to_string(c.x) + "\n" +
                                  param_text("w", c.w, 7) + param_text("b", {c.w[0]}, 8) +
                                  "  %y = Conv(%x, %w, %b) {" + c.attrs + "} : [1]\n  output %y\n}\n",
                              "p");
    // The declared shape [1] is wrong on purpose: the verifier's message tells the real one.
    ASSERT_FALSE(parsed);
    std::string msg = parsed.error().message;
    std::string real = msg.substr(msg.find("produces ") + 9);
    Graph g = parse("graph @conv batch 2 {\n  input %x : " + shape_to_string(c.x) + "\n" +
                    param_text("w", c.w, 7) + param_text("b", {c.w[0]}, 8) + "  %y = Conv(%x, %w, %b) {" +
                    c.attrs + "} : " + real + "\n  output %y\n}\n");
    for (int level : {0, 3}) expect_lowering_matches(g, level, passes::TargetDesc::avx512(), 1, c.attrs);
  }
}

}  // namespace
}  // namespace njc

namespace njc {
namespace {

// Property test: random pipelines of the default-scoped passes on every kernel of lowered models and
// random single-op graphs; the lowered model must still match the reference.
std::string random_pipeline(SplitMix64& rng) {
  const char* passes_text[] = {"interchange",
                               "tile{sizes=%a,%b}",
                               "unroll{factor=%f}",
                               "vectorize{width=%w}",
                               "register-tile",
                               "split-reduction{ways=%s}",
                               "vectorize{width=%w tail=scalar}",
                               "vectorize-outer{width=%w}",
                               "relayout",
                               "cse"};
  std::string out;
  int count = 1 + static_cast<int>(rng.next() % 5);
  for (int p = 0; p < count; ++p) {
    std::string pass = passes_text[rng.next() % std::size(passes_text)];
    auto fill = [&](const char* key, std::string value) {
      for (size_t at; (at = pass.find(key)) != std::string::npos;) pass.replace(at, 2, value);
    };
    const char* widths[] = {"4", "8", "16"};
    fill("%a", std::to_string(1 + rng.next() % 9));
    fill("%b", std::to_string(1 + rng.next() % 17));
    fill("%f", std::to_string(2 + rng.next() % 4));
    fill("%w", widths[rng.next() % 3]);
    fill("%s", std::to_string(2 + rng.next() % 3));
    out += (out.empty() ? "" : ",") + pass;
  }
  return out;
}

TEST(LowerGraph, RandomPipelinesOnLoweredModels) {
  std::vector<Graph> graphs;
  for (const char* name : {"mlp_batch.json", "npc_brain.json", "gru_audio.json", "dnc_memory.json"})
    graphs.push_back(*read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name));
  graphs.push_back(
      parse("graph @sm batch 1 {\n  input %x : [3, 13]\n  %y = Softmax(%x) : [3, 13]\n  output %y\n}\n"));
  graphs.push_back(
      parse("graph @mm batch 1 {\n  input %a : [5, 7]\n  input %b : [7, 11]\n"
            "  %c = MatMul(%a, %b) : [5, 11]\n  output %c\n}\n"));
  SplitMix64 rng(2026);
  int runs = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const Graph& g = graphs[static_cast<size_t>(trial) % graphs.size()];
    std::string text = random_pipeline(rng);
    auto pipeline = passes::parse_pipeline(text);
    ASSERT_TRUE(pipeline) << text << ": " << pipeline.error().message;
    auto lowered = passes::lower_graph(g);
    ASSERT_TRUE(lowered);
    passes::RunConfig config;
    passes::PassManager pm(config);
    for (loop::Kernel& k : lowered->module.kernels) {
      std::string dump;
      Status s = pm.run(*pipeline, k, dump);
      ASSERT_TRUE(s) << "pipeline " << text << " on kernel " << k.name << " of " << g.name << ": "
                     << s.error().message;
    }
    GraphInterpreter reference(g);
    passes::LoweredModelInterpreter run(*lowered);
    for (int call = 0; call < 2; ++call) {
      std::vector<std::vector<float>> inputs;
      for (size_t i = 0; i < g.inputs.size(); ++i)
        inputs.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), 7 * call + i));
      auto want = reference.run(inputs), got = run.run(inputs);
      for (size_t o = 0; o < want.size(); ++o)
        for (size_t e = 0; e < want[o].size(); ++e)
          ASSERT_NEAR(got[o][e], want[o][e], 1e-5 * std::fabs(want[o][e]) + 2e-6)
              << "seed trial " << trial << " pipeline " << text << " model " << g.name;
    }
    ++runs;
  }
  EXPECT_EQ(runs, 40);
}

}  // namespace
}  // namespace njc
