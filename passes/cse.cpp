// cse: keeps the first of equal instructions (docs/passes.md, "cse").
#include "passes/cse.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "passes/pass_registry.h"

namespace njc::passes {

using namespace loop;

namespace {

bool same_computation(const Inst& a, const Inst& b, const Kernel& k) {
  return a.op == b.op && a.args == b.args && k.type_of(a.result) == k.type_of(b.result) &&
         a.buffer == b.buffer && a.index == b.index && a.mask_lanes == b.mask_lanes &&
         std::memcmp(&a.imm, &b.imm, sizeof(float)) == 0;  // bitwise: 0.0 and -0.0 differ, NaNs match
}

size_t hash_of(const Inst& in, const Kernel& k) {
  size_t h = static_cast<size_t>(in.op) * 0x9e3779b97f4a7c15ull;
  auto mix = [&h](uint64_t x) { h = (h ^ x) * 0x100000001b3ull + (h >> 29); };
  for (ValueId a : in.args) mix(static_cast<uint64_t>(a));
  mix(static_cast<uint64_t>(k.type_of(in.result).lanes));
  mix(static_cast<uint64_t>(in.buffer + 1));
  for (const Affine& a : in.index) {
    mix(static_cast<uint64_t>(a.constant));
    for (const AffineTerm& t : a.terms) mix(static_cast<uint64_t>(t.iv) * 31 + static_cast<uint64_t>(t.coeff));
  }
  mix(static_cast<uint64_t>(in.mask_lanes));
  uint32_t bits;
  std::memcpy(&bits, &in.imm, sizeof bits);
  mix(bits);
  return h;
}

bool reads_memory(const Inst& in) { return (op_info(in.op).flags & kReads) != 0; }

void stored_buffers(const Block& b, std::unordered_set<BufferId>& out) {
  for_each_inst(b, [&](const Inst& in) {
    if (op_info(in.op).flags & kWrites) out.insert(in.buffer);
  });
}

// The instructions available at a point of the walk, by hash; a copy per loop body scopes them.
class Available {
 public:
  explicit Available(const Kernel& k) : k_(&k) {}
  const Inst* find(const Inst& in) const {
    auto range = table_.equal_range(hash_of(in, *k_));
    for (auto it = range.first; it != range.second; ++it)
      if (same_computation(*it->second, in, *k_)) return it->second;
    return nullptr;
  }
  void add(const Inst& in) { table_.emplace(hash_of(in, *k_), &in); }
  void kill_loads_of(const std::unordered_set<BufferId>& buffers) {
    std::erase_if(table_, [&](const auto& e) { return reads_memory(*e.second) && buffers.count(e.second->buffer); });
  }

 private:
  const Kernel* k_;
  std::unordered_multimap<size_t, const Inst*> table_;
};

class Cse {
 public:
  explicit Cse(Kernel& k) : k_(k) {}
  void run() { walk(k_.body, Available(k_)); }

 private:
  void rename(std::vector<ValueId>& vs) const {
    for (ValueId& v : vs)
      if (auto it = repl_.find(v); it != repl_.end()) v = it->second;
  }

  // Instructions of b are kept by pointer in `avail`, so b is rebuilt only after the walk of it ends.
  void walk(Block& b, Available avail) {
    std::vector<bool> drop(b.size(), false);
    for (size_t p = 0; p < b.size(); ++p) {
      if (b[p].is_loop()) {
        Loop& l = b[p].loop();
        rename(l.inits);
        std::unordered_set<BufferId> stored;
        stored_buffers(l.body, stored);
        avail.kill_loads_of(stored);
        walk(l.body, avail);
        rename(l.yields);
        continue;
      }
      Inst& in = b[p].inst();
      rename(in.args);
      if (in.op == Op::Store) {
        avail.kill_loads_of({in.buffer});
        continue;
      }
      if (const Inst* earlier = avail.find(in)) {
        repl_[in.result] = earlier->result;
        drop[p] = true;
        continue;
      }
      avail.add(in);
    }
    Block kept;
    kept.reserve(b.size());
    for (size_t p = 0; p < b.size(); ++p)
      if (!drop[p]) kept.push_back(std::move(b[p]));
    b = std::move(kept);
  }

  Kernel& k_;
  std::unordered_map<ValueId, ValueId> repl_;
};

}  // namespace

Status cse(Kernel& k) {
  Cse(k).run();
  return Status::ok();
}

PassInfo cse_pass_info() {
  return {"cse", "replace an instruction by an earlier equal one (same operands; loads with no store between)",
          {},
          [](Kernel& k, const PassOptions&, const TargetDesc&) { return cse(k); }};
}

}  // namespace njc::passes
