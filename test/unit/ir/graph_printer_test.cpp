// The graph IR text form: print(parse(t)) == t, every construct, and located parse errors.
#include "ir/graph_printer.h"

#include <gtest/gtest.h>

namespace njc {
namespace {

const char* kEveryConstruct = R"(graph @"odd name" batch 3 {
  input %x : [2, 4]
  input %"onnx::in/0" : [1, 3]
  state %h : [1, 3]
  state %c : [2] = [0.25, -4.0]
  param %w : [3, 4] = [0.5, -1.25, 3e-08, 1e+20, 0.1, 0.2, 0.3, 0.4, 1.0, 2.0, 3.0, 4.0]
  param %b : [3] = [0.0, -0.0, 7.0]
  %g = Gemm(%x, %w, %b) {alpha = 0.5, transB = 1} : [2, 3]
  %s = Slice(%g) {axes = [1], ends = [3], starts = [-1], steps = [1]} : [2, 1]
  next %h = %h
  output %g
}
)";

TEST(GraphText, RoundTripsExactly) {
  std::string text = kEveryConstruct;
  auto g = parse_graph(text, "t.graph");
  ASSERT_TRUE(g) << format_diag(g.error());
  EXPECT_EQ(print_graph(*g), text);
  EXPECT_EQ(g->name, "odd name");
  EXPECT_EQ(g->batch, 3);
  EXPECT_EQ(g->data_of(g->find("w"))[2], 3e-08f);
}

TEST(GraphText, OptionalOutputsAndListAttributesRoundTrip) {
  const char* text = R"(graph @rnn batch 1 {
  input %xs : [2, 1, 3]
  param %W : [1, 6, 3] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6,
      1.7, 1.8]
  param %R : [1, 6, 2] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
  _, %yh = GRU(%xs, %W, %R) {activations = ["Sigmoid", "Tanh"], linear_before_reset = 1} : [1, 1, 2]
  output %yh
}
)";
  auto g = parse_graph(text, "t.graph");
  ASSERT_TRUE(g) << format_diag(g.error());
  EXPECT_EQ(print_graph(*g), text);
  EXPECT_EQ(g->nodes[0].outputs[0], kNoValue);
}

TEST(GraphText, FloatsAlwaysReadBackAsFloats) {
  EXPECT_EQ(float_text(1.0, false), "1.0");
  EXPECT_EQ(float_text(-0.0, true), "-0.0");
  EXPECT_EQ(float_text(0.1f, true), "0.1");
  EXPECT_EQ(float_text(1e30, false), "1e+30");
}

struct BadText {
  const char* text;
  int line, col;
  const char* message;
};

TEST(GraphText, ErrorsPointAtTheOffendingToken) {
  const BadText cases[] = {
      {"graph @g batch 1 {\n  input %x : [2]\n  %y = Frob(%x) : [2]\n  output %y\n}\n", 3, 8,
       "unknown op 'Frob'"},
      {"graph @g batch 1 {\n  input %x : [2]\n  %y = Relu(%z) : [2]\n  output %y\n}\n", 3, 13,
       "value '%z' is not defined"},
      {"graph @g batch 1 {\n  input %x : [2]\n  input %x : [3]\n}\n", 3, 9, "value '%x' is defined twice"},
      {"graph @g batch 1 {\n  input %x : [2]\n  %y = Relu(%x) : [3]\n  output %y\n}\n", 3, 3,
       "value 'y' is declared [3] but Relu produces [2]"},
      {"graph @g batch 1 {\n  input %x : [0]\n}\n", 2, 15, "dimensions must be >= 1"},
      {"graph @g batch 1 {\n  input %x : [2]\n  %y = Relu(%x) {alpha = 1.0} : [2]\n  output %y\n}\n", 3, 3,
       "unknown attribute 'alpha' for Relu (it takes none)"},
      {"graph @g batch 1 {\n  input %x : [2]\n", 3, 1, "expected '}' to close the graph"},
      {"graph @g batch 1 {\n  state %h : [2] = [1.0, 2.0, 3.0]\n  output %h\n}\n", 2, 3,
       "state 'h' has 3 initial values but its shape [2] needs 2"},
      {"graph @g batch 1 {\n  input %x : [2] $\n}", 2, 18, "unexpected character '$'"},
  };
  for (const BadText& c : cases) {
    auto g = parse_graph(c.text, "bad.graph");
    ASSERT_FALSE(g) << c.text;
    EXPECT_EQ(g.error().file, "bad.graph");
    EXPECT_EQ(g.error().line, c.line) << c.message;
    EXPECT_EQ(g.error().col, c.col) << c.message;
    EXPECT_EQ(g.error().message, c.message);
  }
}

TEST(GraphText, DiagnosticShowsTheLineAndACaret) {
  std::string text = "graph @g batch 1 {\n  input %x : [2]\n  %y = Frob(%x) : [2]\n}\n";
  auto g = parse_graph(text, "bad.graph");
  ASSERT_FALSE(g);
  EXPECT_EQ(format_diag(g.error(), &text),
            "bad.graph:3:8: error: unknown op 'Frob'\n  %y = Frob(%x) : [2]\n       ^\n");
}

}  // namespace
}  // namespace njc
