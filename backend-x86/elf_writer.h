// A small ELF64 (x86-64, little-endian) relocatable object writer: sections with their bytes, symbols and
// RELA relocations, written as one ET_REL image that ld/gold/lld link into executables and shared
// libraries. Used by ahead-of-time builds (runtime/aot_build.h); depends on the standard library only.
//
//   ElfWriter w;
//   int text = w.add_section(".text", ElfWriter::kProgbits, ElfWriter::kAlloc | ElfWriter::kExec, 16, code);
//   uint32_t f = w.add_symbol({"f", text, 0, code.size(), ElfBinding::kGlobal, ElfSymbolType::kFunc});
//   w.add_relocation(text, {12, w.section_symbol(rodata), ElfRelocType::kPc32, -4});
//   std::vector<uint8_t> object = w.finish();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace njc::x86 {

enum class ElfBinding : uint8_t { kLocal = 0, kGlobal = 1 };
enum class ElfSymbolType : uint8_t { kNone = 0, kObject = 1, kFunc = 2, kSection = 3 };
enum class ElfVisibility : uint8_t { kDefault = 0, kHidden = 2 };

// x86-64 relocation types used by generated code (System V x86-64 psABI, table 4.9).
enum class ElfRelocType : uint32_t {
  kPc32 = 2,   // R_X86_64_PC32:  S + A - P, 32-bit signed
  kPlt32 = 4,  // R_X86_64_PLT32: L + A - P (a call through the PLT when S is preemptible)
};

struct ElfSymbol {
  std::string name;
  int section = 0;  // section index from add_section(); 0 = undefined
  uint64_t value = 0;
  uint64_t size = 0;
  ElfBinding binding = ElfBinding::kLocal;
  ElfSymbolType type = ElfSymbolType::kNone;
  ElfVisibility visibility = ElfVisibility::kDefault;
};

struct ElfRelocation {
  uint64_t offset = 0;  // in the section the relocation applies to
  uint32_t symbol = 0;  // a handle from add_symbol() / section_symbol()
  ElfRelocType type = ElfRelocType::kPc32;
  int64_t addend = 0;
};

class ElfWriter {
 public:
  // Section types and flags (the ELF values).
  static constexpr uint32_t kProgbits = 1, kNobits = 8, kNote = 7, kX86_64Unwind = 0x70000001;
  static constexpr uint64_t kWrite = 0x1, kAlloc = 0x2, kExec = 0x4;

  // Adds a section with its contents; returns its index (1, 2, ... in call order). For kNobits, data is
  // empty and nobits_size gives the size. align is a power of two.
  int add_section(std::string name, uint32_t type, uint64_t flags, uint64_t align, std::vector<uint8_t> data,
                  uint64_t nobits_size = 0);

  // Adds a symbol; returns a handle for relocations. .symtab puts locals first, as ELF requires.
  uint32_t add_symbol(ElfSymbol s);
  // The STT_SECTION symbol of a section (made on first use).
  uint32_t section_symbol(int section);

  // Adds a relocation to section (written as .rela<name>).
  void add_relocation(int section, ElfRelocation r);

  // The object file image. Asserts nothing; every handle passed in must come from this writer.
  std::vector<uint8_t> finish() const;

 private:
  struct Section {
    std::string name;
    uint32_t type;
    uint64_t flags;
    uint64_t align;
    std::vector<uint8_t> data;
    uint64_t nobits_size;
    std::vector<ElfRelocation> relocs;
    int64_t symbol = -1;  // its STT_SECTION handle, if made
  };
  std::vector<Section> sections_;  // sections_[i] has index i + 1
  std::vector<ElfSymbol> symbols_;
};

}  // namespace njc::x86
