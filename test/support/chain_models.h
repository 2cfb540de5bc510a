// Models of thousands of nodes as njc JSON text, for the tests that check the compiler stays linear in the
// size of the model (issue 15): they must read, compile and run, whatever the time (timings are in
// bench/bench_models.cpp, BM_CompileChain, which builds the same shapes).
#pragma once

#include <string>

namespace njc::test {

enum class Chain {
  kRelu,    // x -> Relu -> Relu -> ...: fused into one kernel of n operations
  kMatMul,  // x -> MatMul(w) -> MatMul(w) -> ...: n kernels, each packing the one weight
  kStates,  // n states, each the sum of x and itself: n kernels and a state update of n loops
};

inline std::string chain_model(Chain kind, int n) {
  std::string nodes, states;
  for (int i = 0; i < n; ++i) {
    const std::string in = "x" + std::to_string(i), out = "x" + std::to_string(i + 1), sep = i ? ", " : "";
    const std::string h = "h" + std::to_string(i);
    switch (kind) {
      case Chain::kRelu:
        nodes += sep + R"({"op": "Relu", "inputs": [")" + in + R"("], "outputs": [")" + out + R"("]})";
        break;
      case Chain::kMatMul:
        nodes += sep + R"({"op": "MatMul", "inputs": [")" + in + R"(", "w"], "outputs": [")" + out + R"("]})";
        break;
      case Chain::kStates:
        states += sep + R"({"name": ")" + h + R"(", "shape": [1, 8], "next": ")" + h + R"(n"})";
        nodes += sep + R"({"op": "Add", "inputs": ["x0", ")" + h + R"("], "outputs": [")" + h + R"(n"]})";
        break;
    }
  }
  const std::string params =
      kind == Chain::kMatMul
          ? R"({"name": "w", "shape": [8, 8], "init": {"kind": "uniform", "low": -0.5, "high": 0.5, "seed": 1}})"
          : "";
  const std::string output = kind == Chain::kStates ? "h0n" : "x" + std::to_string(n);
  return R"({"format": "njc-model", "version": 1, "name": "chain", "inputs": [{"name": "x0", "shape": [1, 8]}], )"
         R"("params": [)" +
         params + R"(], "states": [)" + states + R"(], "nodes": [)" + nodes + R"(], "outputs": [")" + output +
         R"("]})";
}

}  // namespace njc::test
