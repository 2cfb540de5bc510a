// ELF64 relocatable object writer (see elf_writer.h). Layout of the image, in file order:
//
//   Elf64_Ehdr | section contents, each at its alignment | Elf64_Shdr[] (8-aligned)
//   section indices: 0 null | the added sections in order | .rela<name> per section with relocations
//                    | .symtab | .strtab | .shstrtab
#include "backend-x86/elf_writer.h"

#include <algorithm>

namespace njc::x86 {

namespace {

constexpr uint32_t kShtSymtab = 2, kShtStrtab = 3, kShtRela = 4;
constexpr uint64_t kShfInfoLink = 0x40;
constexpr size_t kEhdrSize = 64, kShdrSize = 64, kSymSize = 24, kRelaSize = 24;

void put_le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void pad_to(std::vector<uint8_t>& out, uint64_t align) {
  while (out.size() % align != 0) out.push_back(0);
}

// A string table: "\0" then each name NUL-terminated; returns the offset of a name.
class StringTable {
 public:
  uint32_t add(const std::string& s) {
    if (s.empty()) return 0;
    auto at = static_cast<uint32_t>(bytes_.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    bytes_.push_back(0);
    return at;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_{0};
};

// Elf64_Shdr, 64 bytes:
//   0 sh_name:4 | 4 sh_type:4 | 8 sh_flags:8 | 16 sh_addr:8 | 24 sh_offset:8 | 32 sh_size:8
//   | 40 sh_link:4 | 44 sh_info:4 | 48 sh_addralign:8 | 56 sh_entsize:8
struct Shdr {
  uint32_t name = 0, type = 0;
  uint64_t flags = 0, offset = 0, size = 0;
  uint32_t link = 0, info = 0;
  uint64_t align = 0, entsize = 0;
};
void put_shdr(std::vector<uint8_t>& out, const Shdr& h) {
  put_le(out, h.name, 4);
  put_le(out, h.type, 4);
  put_le(out, h.flags, 8);
  put_le(out, 0, 8);  // sh_addr: 0 in a relocatable object
  put_le(out, h.offset, 8);
  put_le(out, h.size, 8);
  put_le(out, h.link, 4);
  put_le(out, h.info, 4);
  put_le(out, h.align, 8);
  put_le(out, h.entsize, 8);
}

// Elf64_Sym, 24 bytes:
//   0 st_name:4 | 4 st_info:1 = binding << 4 | type | 5 st_other:1 = visibility | 6 st_shndx:2
//   | 8 st_value:8 | 16 st_size:8
void put_sym(std::vector<uint8_t>& out, uint32_t name, const ElfSymbol& s) {
  put_le(out, name, 4);
  out.push_back(static_cast<uint8_t>(static_cast<uint8_t>(s.binding) << 4 | static_cast<uint8_t>(s.type)));
  out.push_back(static_cast<uint8_t>(s.visibility));
  put_le(out, static_cast<uint64_t>(s.section), 2);
  put_le(out, s.value, 8);
  put_le(out, s.size, 8);
}

// Elf64_Rela, 24 bytes:
//   0 r_offset:8 | 8 r_info:8 = symbol index << 32 | type | 16 r_addend:8 (signed)
void put_rela(std::vector<uint8_t>& out, const ElfRelocation& r, uint32_t symbol_index) {
  put_le(out, r.offset, 8);
  put_le(out, uint64_t{symbol_index} << 32 | static_cast<uint32_t>(r.type), 8);
  put_le(out, static_cast<uint64_t>(r.addend), 8);
}

// Elf64_Ehdr, 64 bytes:
//   0 e_ident[16] = 7F 'E' 'L' 'F' | class 2 (64-bit) | data 1 (LSB) | version 1 | OS ABI 0 | 0...
//   16 e_type:2 = 1 (REL) | 18 e_machine:2 = 62 (x86-64) | 20 e_version:4 = 1 | 24 e_entry:8 = 0
//   | 32 e_phoff:8 = 0 | 40 e_shoff:8 | 48 e_flags:4 = 0 | 52 e_ehsize:2 = 64 | 54 e_phentsize:2 = 0
//   | 56 e_phnum:2 = 0 | 58 e_shentsize:2 = 64 | 60 e_shnum:2 | 62 e_shstrndx:2
void put_ehdr(uint8_t* at, uint64_t shoff, uint16_t shnum, uint16_t shstrndx) {
  std::vector<uint8_t> h = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put_le(h, 1, 2);
  put_le(h, 62, 2);
  put_le(h, 1, 4);
  put_le(h, 0, 8);
  put_le(h, 0, 8);
  put_le(h, shoff, 8);
  put_le(h, 0, 4);
  put_le(h, kEhdrSize, 2);
  put_le(h, 0, 2);
  put_le(h, 0, 2);
  put_le(h, kShdrSize, 2);
  put_le(h, shnum, 2);
  put_le(h, shstrndx, 2);
  std::copy(h.begin(), h.end(), at);
}

}  // namespace

int ElfWriter::add_section(std::string name, uint32_t type, uint64_t flags, uint64_t align,
                           std::vector<uint8_t> data, uint64_t nobits_size) {
  sections_.push_back(Section{
      std::move(name), type, flags, std::max<uint64_t>(align, 1), std::move(data), nobits_size, {}, -1});
  return static_cast<int>(sections_.size());
}

uint32_t ElfWriter::add_symbol(ElfSymbol s) {
  symbols_.push_back(std::move(s));
  return static_cast<uint32_t>(symbols_.size() - 1);
}

uint32_t ElfWriter::section_symbol(int section) {
  Section& s = sections_[static_cast<size_t>(section - 1)];
  if (s.symbol < 0) {
    s.symbol = add_symbol(ElfSymbol{"", section, 0, 0, ElfBinding::kLocal, ElfSymbolType::kSection});
  }
  return static_cast<uint32_t>(s.symbol);
}

void ElfWriter::add_relocation(int section, ElfRelocation r) {
  sections_[static_cast<size_t>(section - 1)].relocs.push_back(r);
}

std::vector<uint8_t> ElfWriter::finish() const {
  // Symbol order: null, locals, globals (stable within each), and the index of every handle.
  std::vector<uint32_t> order, index_of(symbols_.size());
  for (int pass = 0; pass < 2; ++pass)
    for (uint32_t i = 0; i < symbols_.size(); ++i)
      if ((symbols_[i].binding == ElfBinding::kLocal) == (pass == 0)) order.push_back(i);
  uint32_t first_global = 1;
  for (size_t k = 0; k < order.size(); ++k) {
    index_of[order[k]] = static_cast<uint32_t>(k + 1);
    if (symbols_[order[k]].binding == ElfBinding::kLocal) first_global = static_cast<uint32_t>(k + 2);
  }
  StringTable strtab, shstrtab;
  std::vector<uint8_t> symtab(kSymSize, 0);
  for (uint32_t i : order) put_sym(symtab, strtab.add(symbols_[i].name), symbols_[i]);

  std::vector<uint8_t> out(kEhdrSize, 0);
  std::vector<Shdr> headers(1);
  auto place = [&](Shdr h, const std::vector<uint8_t>& data) {
    pad_to(out, h.align);
    h.offset = out.size();
    if (h.type != kNobits) {
      h.size = data.size();
      out.insert(out.end(), data.begin(), data.end());
    }
    headers.push_back(h);
  };
  for (const Section& s : sections_) {
    Shdr h;
    h.name = shstrtab.add(s.name);
    h.type = s.type;
    h.flags = s.flags;
    h.align = s.align;
    h.size = s.nobits_size;
    place(h, s.data);
  }
  const auto n = static_cast<uint32_t>(sections_.size());
  uint32_t rela_count = 0;
  for (const Section& s : sections_) rela_count += s.relocs.empty() ? 0 : 1;
  const uint32_t symtab_index = n + rela_count + 1;
  for (uint32_t i = 0; i < n; ++i) {
    const Section& s = sections_[i];
    if (s.relocs.empty()) continue;
    std::vector<uint8_t> data;
    for (const ElfRelocation& r : s.relocs) put_rela(data, r, index_of[r.symbol]);
    Shdr h;
    h.name = shstrtab.add(".rela" + s.name);
    h.type = kShtRela;
    h.flags = kShfInfoLink;
    h.link = symtab_index;
    h.info = i + 1;
    h.align = 8;
    h.entsize = kRelaSize;
    place(h, data);
  }
  Shdr sym;
  sym.name = shstrtab.add(".symtab");
  sym.type = kShtSymtab;
  sym.link = symtab_index + 1;
  sym.info = first_global;  // one past the last local symbol
  sym.align = 8;
  sym.entsize = kSymSize;
  place(sym, symtab);
  Shdr str;
  str.name = shstrtab.add(".strtab");
  str.type = kShtStrtab;
  str.align = 1;
  place(str, strtab.bytes());
  Shdr shstr;
  shstr.name = shstrtab.add(".shstrtab");
  shstr.type = kShtStrtab;
  shstr.align = 1;
  place(shstr, shstrtab.bytes());  // complete: its own name was added first

  pad_to(out, 8);
  const uint64_t shoff = out.size();
  for (const Shdr& h : headers) put_shdr(out, h);
  put_ehdr(out.data(), shoff, static_cast<uint16_t>(headers.size()),
           static_cast<uint16_t>(headers.size() - 1));
  return out;
}

}  // namespace njc::x86
