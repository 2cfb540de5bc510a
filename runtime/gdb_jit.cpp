// The GDB JIT interface (see gdb_jit.h): the descriptor, the in-memory ELF object per kernel and its CFI.
#include "runtime/gdb_jit.h"

#include <elf.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include "backend-x86/eh_frame.h"

extern "C" {
// gdb reads this through the symbol table: the layout and the names are fixed by the protocol.
jit_descriptor __jit_debug_descriptor = {1, JIT_NOACTION, nullptr, nullptr};

// gdb puts a breakpoint here. noinline + the asm keep the call and the function from being optimized away.
__attribute__((noinline, used)) void __jit_debug_register_code() {
  asm volatile("" ::: "memory");
}
}

namespace njc::runtime {

namespace {

std::mutex& descriptor_mutex() {
  static std::mutex mu;
  return mu;
}

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* c = static_cast<const uint8_t*>(p);
  out.insert(out.end(), c, c + n);
}
void align(std::vector<uint8_t>& out, size_t to) {
  while (out.size() % to) out.push_back(0);
}

}  // namespace

// The object file, in file order (ET_REL; gdb keeps section addresses that are already set):
//
//   0x00  Elf64_Ehdr                 e_shoff -> section headers, e_shstrndx = 5
//   0x40  .text       PROGBITS AX    a copy of the code; sh_addr = the live code address
//         .eh_frame   PROGBITS       CFI from backend-x86/eh_frame.h (only when the frame was recognised; else empty)
//         .symtab     SYMTAB         [0] null, [1] FUNC GLOBAL name, value 0 in .text, size = code size
//         .strtab     STRTAB         "\0name\0"
//         .shstrtab   STRTAB         section names
//         Elf64_Shdr[6]              null, .text, .eh_frame, .symtab, .strtab, .shstrtab
std::vector<uint8_t> make_gdb_symfile(const uint8_t* code, size_t size, std::string_view name) {
  auto address = reinterpret_cast<uint64_t>(code);
  std::optional<std::vector<uint8_t>> program = x86::frame_program(code, size);
  std::vector<uint8_t> cfi;
  if (program) cfi = x86::build_eh_frame({{address, size, *program}}, x86::EhPointer::kAbsolute64).bytes;

  std::vector<uint8_t> out(sizeof(Elf64_Ehdr), 0);
  Elf64_Shdr sh[6] = {};
  auto section = [&](int i, uint32_t type, uint64_t flags, const void* data, size_t n, size_t alignment) {
    align(out, alignment);
    sh[i].sh_type = type;
    sh[i].sh_flags = flags;
    sh[i].sh_offset = out.size();
    sh[i].sh_size = n;
    sh[i].sh_addralign = alignment;
    put(out, data, n);
  };
  const std::string shstr = std::string("\0.text\0.eh_frame\0.symtab\0.strtab\0.shstrtab\0", 43);
  const std::string str = std::string("\0", 1) + std::string(name) + std::string("\0", 1);
  Elf64_Sym syms[2] = {};
  syms[1].st_name = 1;
  syms[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
  syms[1].st_other = STV_DEFAULT;
  syms[1].st_shndx = 1;
  syms[1].st_value = 0;  // relative to .text in a relocatable object
  syms[1].st_size = size;

  section(1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, size, 16);
  sh[1].sh_addr = address;
  sh[1].sh_name = 1;
  section(2, SHT_PROGBITS, 0, cfi.data(), cfi.size(), 8);
  sh[2].sh_name = 7;
  section(3, SHT_SYMTAB, 0, syms, sizeof syms, 8);
  sh[3].sh_name = 17;
  sh[3].sh_link = 4;
  sh[3].sh_info = 1;  // index of the first non-local symbol
  sh[3].sh_entsize = sizeof(Elf64_Sym);
  section(4, SHT_STRTAB, 0, str.data(), str.size(), 1);
  sh[4].sh_name = 25;
  section(5, SHT_STRTAB, 0, shstr.data(), shstr.size(), 1);
  sh[5].sh_name = 33;
  align(out, 8);
  size_t shoff = out.size();
  put(out, sh, sizeof sh);

  Elf64_Ehdr eh = {};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  eh.e_type = ET_REL;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_shoff = shoff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = 6;
  eh.e_shstrndx = 5;
  std::memcpy(out.data(), &eh, sizeof eh);
  return out;
}

GdbJitRegistration::GdbJitRegistration(const uint8_t* code, size_t size, std::string_view name)
    : symfile_(make_gdb_symfile(code, size, name)) {
  entry_.symfile_addr = reinterpret_cast<const char*>(symfile_.data());
  entry_.symfile_size = symfile_.size();
  std::lock_guard<std::mutex> lock(descriptor_mutex());
  entry_.next_entry = __jit_debug_descriptor.first_entry;
  if (entry_.next_entry) entry_.next_entry->prev_entry = &entry_;
  __jit_debug_descriptor.first_entry = &entry_;
  __jit_debug_descriptor.relevant_entry = &entry_;
  __jit_debug_descriptor.action_flag = JIT_REGISTER_FN;
  __jit_debug_register_code();
}

GdbJitRegistration::~GdbJitRegistration() {
  std::lock_guard<std::mutex> lock(descriptor_mutex());
  if (entry_.prev_entry)
    entry_.prev_entry->next_entry = entry_.next_entry;
  else
    __jit_debug_descriptor.first_entry = entry_.next_entry;
  if (entry_.next_entry) entry_.next_entry->prev_entry = entry_.prev_entry;
  __jit_debug_descriptor.relevant_entry = &entry_;
  __jit_debug_descriptor.action_flag = JIT_UNREGISTER_FN;
  __jit_debug_register_code();
}

}  // namespace njc::runtime
