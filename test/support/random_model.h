// Test helper: random valid models for differential tests (the JIT's in test/unit/jit, the ahead-of-time
// objects' in test/unit/aot). Deterministic per seed on every machine (SplitMix64).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "frontend/deterministic_init.h"

namespace njc::test {

// A random valid model in the JSON format: a chain of layers over a [rows, width] activation with random
// sizes (1, primes, powers of two), parameters from seeded initializers, and recurrent state.
inline std::string random_model(uint64_t seed) {
  SplitMix64 rng(seed);
  auto pick = [&](std::initializer_list<int64_t> v) { return *(v.begin() + rng.next() % v.size()); };
  int64_t rows = pick({1, 1, 2, 3}), width = pick({1, 2, 3, 5, 7, 8, 13, 16, 17, 32}), input_width = width;
  std::string params, states, nodes, cur = "x";
  int n = 0;
  auto name = [&](const char* p) { return std::string(p) + std::to_string(n); };
  auto param = [&](const std::string& pn, const std::string& shape) {
    params += (params.empty() ? "" : ", ") + std::string("{\"name\": \"") + pn + "\", \"shape\": " + shape +
              ", \"init\": {\"kind\": \"uniform\", \"low\": -0.6, \"high\": 0.6, \"seed\": " +
              std::to_string(rng.next() % 1000) + "}}";
  };
  auto node = [&](const std::string& text) { nodes += (nodes.empty() ? "" : ",\n") + text; };
  auto sh = [](int64_t a, int64_t b) { return "[" + std::to_string(a) + ", " + std::to_string(b) + "]"; };
  int layers = 1 + static_cast<int>(rng.next() % 4);
  for (int l = 0; l < layers; ++l, ++n) {
    int kind = static_cast<int>(rng.next() % 7);
    std::string out = name("t");
    if (kind == 0 || kind == 1) {  // dense with an activation
      int64_t next = pick({1, 3, 4, 8, 11, 16, 31});
      const char* acts[] = {"none", "relu", "tanh", "sigmoid", "softmax", "elu", "leaky_relu", "softplus"};
      param(name("w"), sh(next, width));
      param(name("b"), "[" + std::to_string(next) + "]");
      node("{\"op\": \"dense\", \"inputs\": [\"" + cur + "\", \"" + name("w") + "\", \"" + name("b") +
           "\"], \"outputs\": [\"" + out + "\"], \"attributes\": {\"activation\": \"" + acts[rng.next() % 8] +
           "\"}}");
      width = next;
    } else if (kind == 2 || kind == 3) {  // lstm_cell or gru_cell with state
      bool lstm = kind == 2;
      int64_t h = pick({1, 2, 5, 8, 16}), gates = lstm ? 4 : 3;
      param(name("W"), sh(gates * h, width));
      param(name("R"), sh(gates * h, h));
      param(name("B"), "[" + std::to_string(2 * gates * h) + "]");
      std::string hs = name("h"), cs = name("c");
      states += std::string(states.empty() ? "" : ", ") + "{\"name\": \"" + hs +
                "\", \"shape\": " + sh(rows, h) + ", \"next\": \"" + out + "\"}";
      std::string ins = "\"" + cur + "\", \"" + name("W") + "\", \"" + name("R") + "\", \"" + name("B") +
                        "\", \"" + hs + "\"";
      std::string outs = "\"" + out + "\"";
      if (lstm) {
        states +=
            ", {\"name\": \"" + cs + "\", \"shape\": " + sh(rows, h) + ", \"next\": \"" + name("cn") + "\"}";
        ins += ", \"" + cs + "\"";
        outs += ", \"" + name("cn") + "\"";
      }
      node(std::string("{\"op\": \"") + (lstm ? "lstm_cell" : "gru_cell") + "\", \"inputs\": [" + ins +
           "], \"outputs\": [" + outs + "]" +
           (lstm ? ""
                 : ", \"attributes\": {\"linear_before_reset\": " + std::to_string(rng.next() % 2) + "}") +
           "}");
      width = h;
    } else if (kind == 4) {  // causal convolution over calls
      int64_t k = pick({1, 2, 3}), dil = pick({1, 2}), next = pick({1, 2, 4, 5});
      param(name("w"),
            "[" + std::to_string(next) + ", " + std::to_string(width) + ", " + std::to_string(k) + "]");
      std::string ins = "\"" + cur + "\", \"" + name("w") + "\", \"\"", outs = "\"" + out + "\"";
      if (k > 1) {
        std::string hist = name("hist");
        states += std::string(states.empty() ? "" : ", ") + "{\"name\": \"" + hist + "\", \"shape\": [" +
                  std::to_string(rows) + ", " + std::to_string(width) + ", " + std::to_string((k - 1) * dil) +
                  "], \"next\": \"" + name("histn") + "\"}";
        ins += ", \"" + hist + "\"";
        outs += ", \"" + name("histn") + "\"";
      }
      node("{\"op\": \"conv1d_stream\", \"inputs\": [" + ins + "], \"outputs\": [" + outs +
           "], \"attributes\": {\"dilation\": " + std::to_string(dil) + "}}");
      width = next;
    } else if (kind == 5) {  // elementwise with a broadcast param
      const char* ops[] = {"Add", "Sub", "Mul"};
      param(name("p"), "[" + std::to_string(width) + "]");
      node(std::string("{\"op\": \"") + ops[rng.next() % 3] + "\", \"inputs\": [\"" + cur + "\", \"" +
           name("p") + "\"], \"outputs\": [\"" + out + "\"]}");
    } else {  // a reduction keeping the shape's rank, then broadcast back with Mul
      node("{\"op\": \"ReduceMean\", \"inputs\": [\"" + cur + "\"], \"outputs\": [\"" + name("r") +
           "\"], \"attributes\": {\"axes\": [1]}}");
      node("{\"op\": \"Sub\", \"inputs\": [\"" + cur + "\", \"" + name("r") + "\"], \"outputs\": [\"" + out +
           "\"]}");
    }
    cur = out;
  }
  return "{\"format\": \"njc-model\", \"version\": 1, \"name\": \"fuzz" + std::to_string(seed) +
         "\", \"batch\": " + std::to_string(pick({1, 1, 2, 3})) +
         ", \"inputs\": [{\"name\": \"x\", \"shape\": " + sh(rows, input_width) + "}], \"outputs\": [\"" +
         cur + "\"], \"params\": [" + params + "], \"states\": [" + states + "], \"nodes\": [\n" + nodes +
         "]}";
}

}  // namespace njc::test
