// The GNU as text of an ahead-of-time module (`njc MODEL --emit-asm -o FILE.s`): the same functions, pools
// and layout as the object of runtime/aot_build.h, so that `as FILE.s` gives an object whose .text bytes
// are those of AotModule::object (docs/aot.md says exactly what is compared).
#pragma once

#include <string>

#include "runtime/aot_build.h"

namespace njc::runtime {

// The variants' targets, widest first, comma-separated ("avx512,avx2,sse4").
std::string target_list(const AotModule& m);

// m must have been built with AotOptions::assembly. Intel syntax; every label made unique per function.
std::string aot_assembly(const AotModule& m);

// The kernels alone, as `njc MODEL --emit-asm` prints them: each after a `# kernel NAME` line, with its
// constant pool after its code, labels unique per kernel (.L<k>_<n>), under `.intel_syntax noprefix`, so
// the whole listing is one file that `as` and `llvm-mc` assemble. m must have been built with
// AotOptions::assembly; its target need not run here.
std::string kernel_listing(const AotModule& m);

}  // namespace njc::runtime
