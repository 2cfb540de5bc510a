// Test helper: builds small graphs from njc JSON text through the real frontend, and runs them.
#pragma once

#include <gtest/gtest.h>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"

namespace njc::test {

inline Graph graph_from_json(const std::string& json) {
  auto g = read_model_text(json, "<test>", ".");
  if (!g) ADD_FAILURE() << format_diag(g.error());
  return g ? std::move(*g) : Graph{};
}

// Builds "inputs/params/states/nodes/outputs" into a model text.
inline std::string model_json(const std::string& body) {
  return R"({"format": "njc-model", "version": 1, )" + body + "}";
}

inline void expect_near_all(const std::vector<float>& got, const std::vector<double>& want,
                            double tol = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << "at " << i;
}

}  // namespace njc::test
