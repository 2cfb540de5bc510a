// backend-x86/elf_writer: the image read back through <elf.h>, accepted by readelf and objdump, and linked
// by gcc/ld into an executable and a shared library whose relocations (PC32 into .rodata, PLT32 to a C
// function) resolve to the right values at run time.
#include "backend-x86/elf_writer.h"

#include <gtest/gtest.h>

#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

using x86::ElfBinding;
using x86::ElfRelocType;
using x86::ElfSymbol;
using x86::ElfSymbolType;
using x86::ElfWriter;

// seven:    8B 05 <disp32>   mov eax, [rip + .rodata]      R_X86_64_PC32 .rodata - 4
//           C3               ret
// triple:   E9 <rel32>       jmp ext_triple (a tail call)   R_X86_64_PLT32 ext_triple - 4
// local_pad: CC              (a local FUNC symbol before the globals' relocations)
std::vector<uint8_t> test_object() {
  ElfWriter w;
  std::vector<uint8_t> text = {0x8B, 0x05, 0, 0, 0, 0, 0xC3, 0xCC, 0xE9, 0, 0, 0, 0, 0xCC};
  int ts = w.add_section(".text", ElfWriter::kProgbits, ElfWriter::kAlloc | ElfWriter::kExec, 16, text);
  int rs = w.add_section(".rodata", ElfWriter::kProgbits, ElfWriter::kAlloc, 64, {7, 0, 0, 0});
  w.add_section(".note.GNU-stack", ElfWriter::kProgbits, 0, 1, {});
  w.add_symbol(ElfSymbol{"seven", ts, 0, 7, ElfBinding::kGlobal, ElfSymbolType::kFunc});
  w.add_symbol(ElfSymbol{"triple", ts, 8, 5, ElfBinding::kGlobal, ElfSymbolType::kFunc});
  w.add_symbol(ElfSymbol{"local_pad", ts, 13, 1, ElfBinding::kLocal, ElfSymbolType::kFunc});
  uint32_t ext = w.add_symbol(ElfSymbol{"ext_triple", 0, 0, 0, ElfBinding::kGlobal, ElfSymbolType::kNone});
  w.add_relocation(ts, {2, w.section_symbol(rs), ElfRelocType::kPc32, -4});
  w.add_relocation(ts, {9, ext, ElfRelocType::kPlt32, -4});
  return w.finish();
}

TEST(ElfWriter, HeaderSectionsSymbolsAndRelocationsReadBack) {
  ElfFile f(test_object());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.header().e_type, ET_REL);
  EXPECT_EQ(f.header().e_machine, EM_X86_64);
  EXPECT_EQ(f.header().e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(f.section_name(f.header().e_shstrndx), ".shstrtab");
  for (const char* name : {".text", ".rodata", ".note.GNU-stack", ".rela.text", ".symtab", ".strtab"})
    EXPECT_GE(f.index(name), 1) << name;
  EXPECT_EQ(f.shdr(f.index(".rodata")).sh_addralign, 64u);
  EXPECT_EQ(f.shdr(f.index(".rodata")).sh_offset % 64, 0u);
  EXPECT_EQ(f.shdr(f.index(".text")).sh_flags, static_cast<uint64_t>(SHF_ALLOC | SHF_EXECINSTR));
  EXPECT_EQ(f.shdr(f.index(".rela.text")).sh_info, static_cast<uint32_t>(f.index(".text")));
  EXPECT_EQ(f.shdr(f.index(".rela.text")).sh_link, static_cast<uint32_t>(f.index(".symtab")));

  // Locals first; sh_info is one past the last local.
  auto syms = f.symbols();
  const uint32_t first_global = f.shdr(f.index(".symtab")).sh_info;
  for (size_t i = 1; i < syms.size(); ++i)
    EXPECT_EQ(syms[i].bind == STB_LOCAL, i < first_global) << syms[i].name;
  ASSERT_TRUE(f.symbol("seven"));
  EXPECT_EQ(f.symbol("seven")->type, STT_FUNC);
  EXPECT_EQ(f.symbol("seven")->bind, STB_GLOBAL);
  EXPECT_EQ(f.symbol("triple")->value, 8u);
  EXPECT_EQ(f.symbol("local_pad")->bind, STB_LOCAL);
  EXPECT_EQ(f.symbol("ext_triple")->section, SHN_UNDEF);

  auto relocs = f.relocations(".rela.text");
  ASSERT_EQ(relocs.size(), 2u);
  EXPECT_EQ(relocs[0].offset, 2u);
  EXPECT_EQ(relocs[0].type, static_cast<uint32_t>(R_X86_64_PC32));
  EXPECT_EQ(relocs[0].addend, -4);
  EXPECT_EQ(syms[relocs[0].symbol].type, STT_SECTION);
  EXPECT_EQ(syms[relocs[0].symbol].section, f.index(".rodata"));
  EXPECT_EQ(relocs[1].type, static_cast<uint32_t>(R_X86_64_PLT32));
  EXPECT_EQ(syms[relocs[1].symbol].name, "ext_triple");
}

TEST(ElfWriter, ReadelfAndObjdumpAcceptIt) {
  ScratchDir dir;
  auto bytes = test_object();
  write_bytes(dir / "t.o", bytes.data(), bytes.size());
  expect_tools_accept(dir / "t.o");
  ToolResult r = sh("readelf -r -s -W t.o", dir.path());
  EXPECT_NE(r.out.find("R_X86_64_PC32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("R_X86_64_PLT32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ext_triple"), std::string::npos) << r.out;
  r = sh("objdump -d t.o", dir.path());
  EXPECT_NE(r.out.find("<seven>:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mov    0x0(%rip),%eax"), std::string::npos) << r.out;
}

// The relocations resolve: seven() reads 7 from .rodata, triple(5) tail-calls ext_triple.
TEST(ElfWriter, LinksIntoExecutablesAndSharedLibraries) {
  ScratchDir dir;
  auto bytes = test_object();
  write_bytes(dir / "t.o", bytes.data(), bytes.size());
  std::ofstream(dir / "main.c")
      << "int seven(void); int triple(int); int ext_triple(int x) { return 3 * x; }\n"
         "int main(void) { return seven() == 7 && triple(5) == 15 ? 0 : 1; }\n";
  ToolResult r = sh("gcc -o exe main.c t.o && ./exe", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = sh("gcc -shared -o libt.so t.o && gcc -o exe2 main.c -L. -lt -Wl,-rpath,'$ORIGIN' && ./exe2",
         dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = sh("readelf -d libt.so", dir.path());
  EXPECT_EQ(r.out.find("TEXTREL"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace njc::aot_test
