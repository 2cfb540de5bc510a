// Rewriting helpers shared by the passes: deep copies with fresh names, induction-variable substitution
// and use replacement. They keep the tree well formed; callers restore any invariant they change.
#pragma once

#include <unordered_map>

#include "ir/loop_ir.h"

namespace njc::loop {

// What a copy or rewrite maps old names to.
struct Remap {
  std::unordered_map<ValueId, ValueId> values;  // old value -> new value (operands, inits, yields)
  std::unordered_map<ValueId, Affine> ivs;      // old induction variable -> expression over new ones
};

// Deep copy of b. Every value b defines (results, induction variables, iter_args) gets a copy name
// (Kernel::copy_value: %acc -> %acc.1) and is added to map; uses go through map.values, index expressions
// through map.ivs. Values map does not mention are used as they are.
Block clone_block(Kernel& k, const Block& b, Remap& map);
Affine remap_affine(const Affine& a, const Remap& map);

// In place: every index expression in b has iv replaced by repl.
void substitute_iv(Block& b, ValueId iv, const Affine& repl);
// In place: every use of from in b (operands, inits, yields) becomes to.
void replace_uses(Block& b, ValueId from, ValueId to);
// Number of uses of v in b (operands, inits, yields), nested blocks included.
int count_uses(const Block& b, ValueId v);

}  // namespace njc::loop
