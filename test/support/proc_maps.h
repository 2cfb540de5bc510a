// Test helper: the process's memory mappings from /proc/self/maps (address range and permissions), for the
// tests that prove generated code is never writable and executable at once.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace njc::test {

struct Mapping {
  uintptr_t lo = 0, hi = 0;
  std::string perms;  // "r-xp", "rw-p", ...
};

inline std::vector<Mapping> proc_maps() {
  std::ifstream in("/proc/self/maps");
  std::vector<Mapping> out;
  for (std::string line; std::getline(in, line);) {
    Mapping m;
    std::istringstream s(line);
    std::string range;
    s >> range >> m.perms;
    size_t dash = range.find('-');
    m.lo = std::stoull(range.substr(0, dash), nullptr, 16);
    m.hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    out.push_back(m);
  }
  return out;
}

}  // namespace njc::test
