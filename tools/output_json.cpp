// JSON output of model results.
#include "tools/output_json.h"

#include <fmt/format.h>
#include <cmath>
#include <nlohmann/json.hpp>

namespace njc::tools {

namespace {
std::string number_text(float v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return fmt::format("{}", v);
}
}  // namespace

std::string outputs_to_json(const Graph& g, const std::vector<std::vector<float>>& outputs, bool pretty) {
  std::string out = pretty ? "{\n" : "{";
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (i) out += pretty ? ",\n" : ", ";
    out += (pretty ? "  " : "") + nlohmann::json(g.value(g.outputs[i]).name).dump() + ": [";
    for (size_t k = 0; k < outputs[i].size(); ++k) out += (k ? ", " : "") + number_text(outputs[i][k]);
    out += "]";
  }
  return out + (pretty ? "\n}\n" : "}\n");
}

}  // namespace njc::tools
