// The GDB JIT interface (runtime/gdb_jit.cpp): one descriptor entry per live kernel holding an ELF object
// whose FUNC symbol names the kernel at its code address, and — when gdb is installed and may ptrace — gdb
// itself breaking on a JIT-compiled kernel and backtracing through it.
#include "runtime/gdb_jit.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"

namespace njc::runtime {
namespace {

std::vector<const jit_code_entry*> entries() {
  std::vector<const jit_code_entry*> out;
  const jit_code_entry* prev = nullptr;
  for (const jit_code_entry* e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) {
    EXPECT_EQ(e->prev_entry, prev);
    out.push_back(e);
    prev = e;
  }
  return out;
}

struct Parsed {
  std::string symbol;
  uint64_t text_addr = 0, symbol_size = 0;
  size_t eh_frame_bytes = 0;
};

// Reads back what make_gdb_symfile wrote, checking the header on the way.
Parsed parse(const char* data, size_t size) {
  Parsed p;
  Elf64_Ehdr eh;
  EXPECT_GE(size, sizeof eh);
  std::memcpy(&eh, data, sizeof eh);
  EXPECT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(eh.e_machine, EM_X86_64);
  EXPECT_EQ(eh.e_type, ET_REL);
  EXPECT_LE(eh.e_shoff + eh.e_shnum * sizeof(Elf64_Shdr), size);
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  std::memcpy(sh.data(), data + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
  const char* shstr = data + sh[eh.e_shstrndx].sh_offset;
  for (const Elf64_Shdr& s : sh) {
    std::string name = shstr + s.sh_name;
    if (name == ".text") p.text_addr = s.sh_addr;
    if (name == ".eh_frame") p.eh_frame_bytes = s.sh_size;
    if (s.sh_type != SHT_SYMTAB) continue;
    const char* str = data + sh[s.sh_link].sh_offset;
    for (size_t i = 0; i < s.sh_size / sizeof(Elf64_Sym); ++i) {
      Elf64_Sym sym;
      std::memcpy(&sym, data + s.sh_offset + i * sizeof sym, sizeof sym);
      if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC) continue;
      p.symbol = str + sym.st_name;
      p.symbol_size = sym.st_size;
    }
  }
  return p;
}

Graph model(const std::string& name) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
  EXPECT_TRUE(g) << g.error().message;
  return *g;
}

TEST(GdbJit, OneDescriptorEntryPerLiveKernel) {
  size_t before = entries().size();
  ModelOptions o;
  o.cache = nullptr;
  {
    auto m = CompiledModel::compile(model("mlp.json"), o);
    ASSERT_TRUE(m) << m.error().message;
    std::vector<const jit_code_entry*> now = entries();
    ASSERT_EQ(now.size(), before + (*m)->kernel_count());
    EXPECT_EQ(__jit_debug_descriptor.version, 1u);
    EXPECT_EQ(__jit_debug_descriptor.action_flag, static_cast<uint32_t>(JIT_REGISTER_FN));
    for (const auto& k : (*m)->kernels()) {
      bool found = false;
      for (const jit_code_entry* e : now) {
        Parsed p = parse(e->symfile_addr, e->symfile_size);
        if (p.text_addr != reinterpret_cast<uint64_t>(k->code())) continue;
        found = true;
        EXPECT_EQ(p.symbol, k->kernel().name);
        EXPECT_EQ(p.symbol_size, static_cast<uint64_t>(k->stats().code_bytes));
        EXPECT_GT(p.eh_frame_bytes, 0u) << "the prologue of " << p.symbol << " was not recognised";
      }
      EXPECT_TRUE(found) << k->kernel().name;
    }
  }
  EXPECT_EQ(entries().size(), before);  // unregistered with the model
  EXPECT_EQ(__jit_debug_descriptor.action_flag, static_cast<uint32_t>(JIT_UNREGISTER_FN));
}

TEST(GdbJit, CfiIsDerivedOnEveryTarget) {
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(t, x86::host_cpu())) continue;
    for (int level : {0, 3}) {
      ModelOptions o;
      o.cache = nullptr;
      o.target = t;
      o.opt_level = level;
      auto m = CompiledModel::compile(model("npc_brain.json"), o);
      ASSERT_TRUE(m) << m.error().message;
      for (const auto& k : (*m)->kernels()) {
        std::vector<uint8_t> elf =
            make_gdb_symfile(k->code(), static_cast<size_t>(k->stats().code_bytes), "k");
        Parsed p = parse(reinterpret_cast<const char*>(elf.data()), elf.size());
        EXPECT_GT(p.eh_frame_bytes, 0u) << k->kernel().name << " " << x86::target_name(t) << " O" << level;
      }
    }
  }
}

std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
  return out;
}

// gdb on `njc mlp.json --jit run`: a pending breakpoint on the first kernel resolves when the JIT registers
// it and is hit; the backtrace reaches ModelInstance::run from the entry and from inside the body (after the
// prologue has pushed registers and moved rsp, which only the CFI describes).
TEST(GdbJit, GdbBreaksInAKernelAndBacktraces) {
  if (access("/usr/bin/gdb", X_OK) != 0) GTEST_SKIP() << "gdb is not installed";
  ModelOptions o;
  o.cache = nullptr;
  auto m = CompiledModel::compile(model("mlp.json"), o);
  ASSERT_TRUE(m);
  std::string kernel = (*m)->kernels()[0]->kernel().name;
  std::string cmd =
      "/usr/bin/gdb -nx -batch -ex 'set breakpoint pending on' -ex 'set disable-randomization off'"
      " -ex 'break " +
      kernel + "' -ex run -ex bt -ex 'stepi 12' -ex bt -ex kill --args " NJC_TOOL " " + NJC_SOURCE_DIR +
      "/examples/mlp.json --jit run 2>&1";
  std::string out = run(cmd);
  if (out.find("ptrace") != std::string::npos && out.find("not permitted") != std::string::npos)
    GTEST_SKIP() << "ptrace is not permitted here:\n" << out;
  ASSERT_NE(out.find("Breakpoint 1, "), std::string::npos) << out;
  size_t hit = out.find("Breakpoint 1, ");
  EXPECT_NE(out.find(kernel, hit), std::string::npos) << out;
  size_t first_bt = out.find("ModelInstance::run", hit);
  ASSERT_NE(first_bt, std::string::npos) << out;
  EXPECT_NE(out.find("ModelInstance::run", first_bt + 1), std::string::npos)
      << "no backtrace from the body:\n"
      << out;
}

}  // namespace
}  // namespace njc::runtime
