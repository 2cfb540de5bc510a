// The GDB JIT interface (see gdb_jit.h): the descriptor, the in-memory ELF object per kernel and its CFI.
#include "runtime/gdb_jit.h"

#include <elf.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <string>

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
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put(out, &v, 4);
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  put(out, &v, 8);
}
void uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<uint8_t>(b | (v ? 0x80 : 0)));
  } while (v);
}
void align(std::vector<uint8_t>& out, size_t to) {
  while (out.size() % to) out.push_back(0);
}

// DWARF call frame instructions and x86-64 DWARF register numbers.
constexpr uint8_t kAdvanceLoc = 0x40, kOffset = 0x80, kRestore = 0xc0, kAdvanceLoc1 = 0x02,
                  kAdvanceLoc2 = 0x03, kAdvanceLoc4 = 0x04, kDefCfa = 0x0c, kDefCfaOffset = 0x0e;
constexpr uint8_t kDwarfRsp = 7, kDwarfRa = 16;

// The CFA program of a kernel whose frame is (docs/codegen.md, backend-x86/frame.cpp):
//   push r...          (rbx 53, rbp 55, r12-r15 41 54..57)
//   sub rsp, N         (48 83 EC ib | 48 81 EC id), when N > 0
//   ... body ...
//   add rsp, N         (48 83 C4 ib | 48 81 C4 id)
//   pop r... reversed  (5B, 5D, 41 5C..5F)
//   vzeroupper         (C5 F8 77), AVX targets only
//   ret                (C3), the last byte of the code
// CFA = rsp + 8 at entry; each push, the sub, the add and each pop move it. nullopt when the bytes do not
// have this shape (then no CFI is better than a wrong one).
std::optional<std::vector<uint8_t>> frame_program(const uint8_t* code, size_t size) {
  struct Saved {
    uint8_t dwarf;
    size_t bytes;
  };
  std::vector<Saved> saved;
  size_t pc = 0;
  while (pc < size) {
    if (code[pc] == 0x53) {
      saved.push_back({3, 1});
    } else if (code[pc] == 0x55) {
      saved.push_back({6, 1});
    } else if (code[pc] == 0x41 && pc + 1 < size && code[pc + 1] >= 0x54 && code[pc + 1] <= 0x57) {
      saved.push_back({static_cast<uint8_t>(12 + code[pc + 1] - 0x54), 2});
    } else {
      break;
    }
    pc += saved.back().bytes;
  }
  std::vector<uint8_t> prog;
  size_t loc = 0;
  auto advance = [&](size_t to) {
    size_t d = to - loc;
    if (d < 64) {
      prog.push_back(static_cast<uint8_t>(kAdvanceLoc | d));
    } else if (d < 256) {
      prog.push_back(kAdvanceLoc1);
      prog.push_back(static_cast<uint8_t>(d));
    } else if (d < 65536) {
      prog.push_back(kAdvanceLoc2);
      put(prog, &d, 2);
    } else {
      prog.push_back(kAdvanceLoc4);
      put(prog, &d, 4);
    }
    loc = to;
  };
  auto def_cfa_offset = [&](uint64_t off) {
    prog.push_back(kDefCfaOffset);
    uleb(prog, off);
  };
  uint64_t cfa = 8;
  size_t at = 0;
  for (const Saved& s : saved) {
    at += s.bytes;
    cfa += 8;
    advance(at);
    def_cfa_offset(cfa);
    prog.push_back(static_cast<uint8_t>(kOffset | s.dwarf));
    uleb(prog, cfa / 8);  // saved at CFA - cfa; the CIE's data alignment is -8
  }
  // sub rsp, imm: REX.W 83 /5 ib or REX.W 81 /5 id.
  uint32_t frame = 0;
  size_t sub_bytes = 0;
  if (pc + 4 <= size && code[pc] == 0x48 && code[pc + 1] == 0x83 && code[pc + 2] == 0xec) {
    frame = code[pc + 3];
    sub_bytes = 4;
  } else if (pc + 7 <= size && code[pc] == 0x48 && code[pc + 1] == 0x81 && code[pc + 2] == 0xec) {
    std::memcpy(&frame, code + pc + 3, 4);
    sub_bytes = 7;
  }
  pc += sub_bytes;
  if (frame) {
    cfa += frame;
    advance(pc);
    def_cfa_offset(cfa);
  }
  // The epilogue, matched backwards from the final ret.
  if (size == 0 || code[size - 1] != 0xc3) return std::nullopt;
  size_t e = size - 1;
  if (e >= 3 && code[e - 3] == 0xc5 && code[e - 2] == 0xf8 && code[e - 1] == 0x77) e -= 3;
  for (const Saved& s : saved) {  // the first register pushed is the last popped
    if (e < s.bytes) return std::nullopt;
    e -= s.bytes;
    uint8_t want = s.dwarf == 3 ? 0x5b : s.dwarf == 6 ? 0x5d : static_cast<uint8_t>(0x5c + s.dwarf - 12);
    if (s.bytes == 2 ? code[e] != 0x41 || code[e + 1] != want : code[e] != want) return std::nullopt;
  }
  size_t pops = e;
  if (frame) {
    bool imm8 =
        e >= 4 && code[e - 4] == 0x48 && code[e - 3] == 0x83 && code[e - 2] == 0xc4 && code[e - 1] == frame;
    uint32_t imm = 0;
    if (e >= 7) std::memcpy(&imm, code + e - 4, 4);
    bool imm32 = e >= 7 && code[e - 7] == 0x48 && code[e - 6] == 0x81 && code[e - 5] == 0xc4 && imm == frame;
    if (!imm8 && !imm32) return std::nullopt;
  }
  if (pops < pc) return std::nullopt;
  if (frame) {
    cfa -= frame;
    advance(pops);
    def_cfa_offset(cfa);
  }
  at = pops;
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) {
    at += it->bytes;
    cfa -= 8;
    advance(at);
    def_cfa_offset(cfa);
    prog.push_back(static_cast<uint8_t>(kRestore | it->dwarf));
  }
  return prog;
}

// .eh_frame: one CIE ("zR", absolute 8-byte addresses, so no section address is needed), one FDE covering
// the kernel, a zero terminator.
//
//   CIE: length:4 | id:4 = 0 | version:1 = 1 | "zR\0" | code_align uleb 1 | data_align sleb -8 | RA:1 = 16
//        | aug_len uleb 1 | R = DW_EH_PE_absptr | def_cfa rsp+8, offset ra at cfa-8 | pad
//   FDE: length:4 | cie_ptr:4 (distance back to the CIE) | pc_begin:8 | pc_range:8 | aug_len uleb 0
//        | frame_program | pad
std::vector<uint8_t> eh_frame(uint64_t address, size_t size, const std::vector<uint8_t>& program) {
  std::vector<uint8_t> out;
  put32(out, 0);  // length, patched
  put32(out, 0);  // CIE id
  out.push_back(1);
  put(out, "zR", 3);
  uleb(out, 1);
  out.push_back(0x78);  // sleb -8
  out.push_back(kDwarfRa);
  uleb(out, 1);
  out.push_back(0x00);  // DW_EH_PE_absptr
  out.push_back(kDefCfa);
  out.push_back(kDwarfRsp);
  uleb(out, 8);
  out.push_back(kOffset | kDwarfRa);
  uleb(out, 1);
  align(out, 8);
  uint32_t cie_len = static_cast<uint32_t>(out.size() - 4);
  std::memcpy(out.data(), &cie_len, 4);
  size_t fde = out.size();
  put32(out, 0);
  put32(out, static_cast<uint32_t>(out.size() - 0));  // CIE pointer: from this field back to offset 0
  put64(out, address);
  put64(out, size);
  uleb(out, 0);
  put(out, program.data(), program.size());
  align(out, 8);
  uint32_t fde_len = static_cast<uint32_t>(out.size() - fde - 4);
  std::memcpy(out.data() + fde, &fde_len, 4);
  put32(out, 0);  // terminator
  return out;
}

}  // namespace

// The object file, in file order (ET_REL; gdb keeps section addresses that are already set):
//
//   0x00  Elf64_Ehdr                 e_shoff -> section headers, e_shstrndx = 5
//   0x40  .text       PROGBITS AX    a copy of the code; sh_addr = the live code address
//         .eh_frame   PROGBITS       CFI above (only when the frame was recognised; else empty)
//         .symtab     SYMTAB         [0] null, [1] FUNC GLOBAL name, value 0 in .text, size = code size
//         .strtab     STRTAB         "\0name\0"
//         .shstrtab   STRTAB         section names
//         Elf64_Shdr[6]              null, .text, .eh_frame, .symtab, .strtab, .shstrtab
std::vector<uint8_t> make_gdb_symfile(const uint8_t* code, size_t size, std::string_view name) {
  auto address = reinterpret_cast<uint64_t>(code);
  std::optional<std::vector<uint8_t>> program = frame_program(code, size);
  std::vector<uint8_t> cfi = program ? eh_frame(address, size, *program) : std::vector<uint8_t>{};

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
