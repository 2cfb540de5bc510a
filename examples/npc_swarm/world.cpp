// The demo world's rules: observe five neighbours, move by the chosen action, wrap around the torus.
#include "examples/npc_swarm/world.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace njc::demo {

World::World(size_t agents, uint32_t seed)
    : agents_(agents), size_(std::sqrt(static_cast<float>(agents)) * 4) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(0, size_), vel(-1, 1);
  std::uniform_int_distribution<uint32_t> other(0, static_cast<uint32_t>(agents - 1));
  for (Agent& a : agents_) {
    a = Agent{pos(rng), pos(rng), vel(rng), vel(rng), {}, {}, {}};
    for (uint32_t& n : a.neighbours) n = other(rng);
  }
}

namespace {
float squash(float v) { return v / (1 + std::fabs(v)); }  // to (-1, 1), cheaper than tanh
float wrap_into(float v, float size) { return v < 0 ? v + size : v >= size ? v - size : v; }
}  // namespace

void World::observe() {
  float half = size_ / 2;
  auto wrap = [&](float d) { return d > half ? d - size_ : d < -half ? d + size_ : d; };
  for (Agent& a : agents_) {
    float* o = a.observation;
    o[0] = a.vx;
    o[1] = a.vy;
    o[2] = a.x / half - 1;
    o[3] = a.y / half - 1;
    for (int k = 0; k < 5; ++k) {
      const Agent& b = agents_[a.neighbours[k]];
      o[4 + 4 * k] = squash(wrap(b.x - a.x) / 8);
      o[5 + 4 * k] = squash(wrap(b.y - a.y) / 8);
      o[6 + 4 * k] = b.vx - a.vx;
      o[7 + 4 * k] = b.vy - a.vy;
    }
  }
}

void World::move() {
  static const float dx[6] = {0, 0, -1, 1, 0, 0}, dy[6] = {-1, 1, 0, 0, 0, 0};
  for (Agent& a : agents_) {
    int best = static_cast<int>(std::max_element(a.action, a.action + 6) - a.action);
    float fx = dx[best], fy = dy[best];
    if (best == 5) {  // flee: away from the first neighbour
      fx = -a.observation[4];
      fy = -a.observation[5];
    }
    a.vx = 0.8f * a.vx + 0.2f * fx;
    a.vy = 0.8f * a.vy + 0.2f * fy;
    a.x = wrap_into(a.x + a.vx, size_);  // speeds stay below 1, far below the world's size
    a.y = wrap_into(a.y + a.vy, size_);
  }
}

}  // namespace njc::demo
