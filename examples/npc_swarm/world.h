// The demo's world: agents on a torus that see a few neighbours and move by what their brain chooses.
// Observation (24 floats): own velocity (2), own position scaled to [-1, 1] (2), then 5 neighbours' relative
// position and velocity (4 each). The brain's 6 outputs pick a move: up, down, left, right, stay, flee.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace njc::demo {

struct Agent {
  float x, y, vx, vy;
  uint32_t neighbours[5];
  float observation[24];
  float action[6];
};

class World {
 public:
  World(size_t agents, uint32_t seed);
  std::vector<Agent>& agents() { return agents_; }
  // Fills every agent's observation from the world.
  void observe();
  // Moves every agent by the largest of its action values.
  void move();

 private:
  std::vector<Agent> agents_;
  float size_;
};

}  // namespace njc::demo
