// `njc MODEL.json --emit-obj -o OUT.o [--header OUT.h]` and `njc MODEL.json --emit-asm -o OUT.s`:
// ahead-of-time builds (docs/aot.md). main() hands the whole command line over when wants_emit_obj() says so.
#pragma once

namespace njc::tools {

// True for a command line with --emit-obj, or with --emit-asm and -o (the complete assembler file; without
// -o, --emit-asm keeps printing the JIT's per-kernel listing).
bool wants_emit_obj(int argc, char** argv);

// Returns the exit status: 0 ok, 1 user error (nothing written), 2 usage error.
int run_emit_obj_command(int argc, char** argv);

}  // namespace njc::tools
