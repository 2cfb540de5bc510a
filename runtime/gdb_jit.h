// The GDB JIT interface: every JIT-compiled kernel is announced to a debugger as a small in-memory ELF object
// (its code in .text at the code's address, a FUNC symbol named after the kernel, and .eh_frame CFI derived
// from the prologue and epilogue of docs/codegen.md), so gdb can `break` on a kernel and backtrace through
// it. runtime::compile registers each kernel; destroying the JitKernel unregisters it.
//
// The protocol (gdb manual, "JIT Compilation Interface"): the process exports __jit_debug_descriptor, a
// doubly linked list of jit_code_entry, and an empty function __jit_debug_register_code on which gdb sets a
// breakpoint; after changing the list the process sets action_flag and relevant_entry and calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

extern "C" {
enum jit_actions_t : uint32_t { JIT_NOACTION = 0, JIT_REGISTER_FN, JIT_UNREGISTER_FN };

struct jit_code_entry {
  jit_code_entry* next_entry;
  jit_code_entry* prev_entry;
  const char* symfile_addr;
  uint64_t symfile_size;
};

struct jit_descriptor {
  uint32_t version;  // 1
  uint32_t action_flag;
  jit_code_entry* relevant_entry;
  jit_code_entry* first_entry;
};

// gdb finds both by name; they must not be defined by anything else linked into the process (LLVM defines
// them too: njc and an LLVM JIT cannot share one process).
extern jit_descriptor __jit_debug_descriptor;
void __jit_debug_register_code();
}

namespace njc::runtime {

// The ELF64 relocatable object describing code [code, code + size) as function `name`: .text holds a copy
// of the bytes with sh_addr = code, so gdb places the symbol at the live address. The .eh_frame is present
// when the prologue and epilogue have the shape frame.cpp emits (pushes, sub rsp / add rsp, pops,
// [vzeroupper], ret); otherwise it is left out and gdb falls back to its own heuristics.
std::vector<uint8_t> make_gdb_symfile(const uint8_t* code, size_t size, std::string_view name);

// Registration of one kernel with the debugger for the lifetime of this object. Thread-safe (one mutex for
// the descriptor). Neither copyable nor movable: the list points into it.
class GdbJitRegistration {
 public:
  GdbJitRegistration(const uint8_t* code, size_t size, std::string_view name);
  ~GdbJitRegistration();
  GdbJitRegistration(const GdbJitRegistration&) = delete;
  GdbJitRegistration& operator=(const GdbJitRegistration&) = delete;

  const std::vector<uint8_t>& symfile() const { return symfile_; }

 private:
  std::vector<uint8_t> symfile_;
  jit_code_entry entry_{};
};

}  // namespace njc::runtime
