// "Did you mean ...?": the closest known spelling to a mistyped flag or subcommand, by edit distance.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace njc::tools {

// Levenshtein distance (insert, delete, substitute; a swap of neighbours counts 1).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `typed` if it is near enough to be a typo: at most 2 edits, and fewer than
// half the typed length.
std::optional<std::string> closest_spelling(const std::string& typed, const std::vector<std::string>& known);

}  // namespace njc::tools
