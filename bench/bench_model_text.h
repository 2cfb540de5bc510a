// The benchmarks' models as njc JSON text, built in code (shapes as arguments, seeded uniform weights), and
// compiling them: shared by bench_models and bench_seed_claims.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"

namespace njc::bench {

using runtime::CompiledModel;

inline std::string param(const std::string& name, const std::string& shape, int seed) {
  return R"({"name": ")" + name + R"(", "shape": )" + shape +
         R"(, "init": {"kind": "uniform", "low": -0.1, "high": 0.1, "seed": )" + std::to_string(seed) + "}}";
}

inline std::string dim2(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

inline std::string gemm_model(int64_t n) {
  return R"({"format": "njc-model", "version": 1, "name": "gemm", "inputs": [{"name": "x", "shape": )" +
         dim2(n, n) + R"(}], "outputs": ["y"], "params": [)" + param("w", dim2(n, n), 1) +
         R"(], "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"]}]})";
}

inline std::string mlp_model(int64_t rows) {
  return R"({"format": "njc-model", "version": 1, "name": "mlp", "inputs": [{"name": "x", "shape": )" +
         dim2(rows, 32) + R"(}], "outputs": ["y"], "params": [)" + param("w1", dim2(64, 32), 1) + ", " +
         param("b1", "[64]", 2) + ", " + param("w2", dim2(64, 64), 3) + ", " + param("b2", "[64]", 4) + ", " +
         param("w3", dim2(8, 64), 5) + ", " + param("b3", "[8]", 6) + R"(], "nodes": [
           {"op": "dense", "inputs": ["x", "w1", "b1"], "outputs": ["h1"], "attributes": {"activation": "relu"}},
           {"op": "dense", "inputs": ["h1", "w2", "b2"], "outputs": ["h2"], "attributes": {"activation": "relu"}},
           {"op": "dense", "inputs": ["h2", "w3", "b3"], "outputs": ["y"]}]})";
}

inline std::string lstm_model(int64_t hidden = 128) {
  std::string h = std::to_string(hidden);
  return R"({"format": "njc-model", "version": 1, "name": "lstm", "inputs": [{"name": "x", "shape": [1, 64]}],
    "outputs": ["h2"], "params": [)" +
         param("W", dim2(4 * hidden, 64), 1) + ", " + param("R", dim2(4 * hidden, hidden), 2) + ", " +
         param("B", "[" + std::to_string(8 * hidden) + "]", 3) +
         R"(], "states": [{"name": "h", "shape": [1, )" + h +
         R"(], "next": "h2"}, {"name": "c", "shape": [1, )" + h + R"(], "next": "c2"}],
    "nodes": [{"op": "lstm_cell", "inputs": ["x", "W", "R", "B", "h", "c"], "outputs": ["h2", "c2"]}]})";
}

inline std::shared_ptr<const CompiledModel> compile(const std::string& json, int level) {
  auto g = read_model_text(json, "bench", ".");
  if (!g) std::abort();
  runtime::ModelOptions o;
  o.opt_level = level;
  auto m = CompiledModel::compile(*g, o);
  if (!m) {
    std::fprintf(stderr, "compile failed: %s\n", m.error().message.c_str());
    std::abort();
  }
  return *m;
}

}  // namespace njc::bench
