// Optimal-string-alignment distance, and picking the nearest known spelling.
#include "tools/suggest.h"

#include <algorithm>

namespace njc::tools {

size_t edit_distance(const std::string& a, const std::string& b) {
  // d[i][j]: distance between a's first i and b's first j characters.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::optional<std::string> closest_spelling(const std::string& typed, const std::vector<std::string>& known) {
  if (typed.empty()) return std::nullopt;
  std::optional<std::string> best;
  size_t best_distance = std::min<size_t>(2, (typed.size() - 1) / 2);
  for (const std::string& k : known) {
    size_t distance = edit_distance(typed, k);
    if (distance <= best_distance && (!best || distance < best_distance)) {
      best = k;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace njc::tools
