// Printing loop IR as text (grammar: docs/loop-ir.md). The output parses back to the same kernel, params'
// data included (floats are printed in their shortest exact decimal form), so print(parse(t)) == t.
#pragma once

#include <string>

#include "ir/loop_ir.h"

namespace njc::loop {

std::string print(const Kernel& k);
std::string print(const Module& m);  // kernels separated by a blank line
// One index expression, e.g. "%i * 4 + %k - 1" (used by diagnostics too).
std::string print_affine(const Kernel& k, const Affine& a);
std::string print_float(float f);

}  // namespace njc::loop
