// Test helpers for ahead-of-time objects: a scratch directory, a shell runner, and a minimal ELF64 reader
// (section bytes, symbols and RELA entries by name) that is independent of backend-x86/elf_writer.cpp.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test/support/scratch_dir.h"
#include "test/unit/tools/run_tool.h"

namespace njc::aot_test {

namespace fs = std::filesystem;
using test::run_tool;
using test::ToolResult;

using test::ScratchDir;

inline ToolResult sh(const std::string& command, const std::string& cwd = "/tmp") {
  return run_tool(command, cwd);
}

inline std::string njc() {
  return NJC_TOOL;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::string s = test::slurp(path);
  return {s.begin(), s.end()};
}

inline void write_bytes(const std::string& path, const void* data, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

struct ElfSymbolInfo {
  std::string name;
  uint64_t value = 0, size = 0;
  int bind = 0, type = 0;
  uint16_t section = 0;
};

struct ElfRelaInfo {
  uint64_t offset = 0;
  uint32_t symbol = 0, type = 0;
  int64_t addend = 0;
};

// Reads an ELF64 relocatable object through <elf.h>'s structures.
class ElfFile {
 public:
  explicit ElfFile(std::vector<uint8_t> bytes) : b_(std::move(bytes)) {
    if (b_.size() < sizeof(Elf64_Ehdr)) return;
    std::memcpy(&eh_, b_.data(), sizeof eh_);
    for (int i = 0; i < eh_.e_shnum; ++i) {
      Elf64_Shdr h;
      std::memcpy(&h, b_.data() + eh_.e_shoff + static_cast<size_t>(i) * sizeof h, sizeof h);
      sh_.push_back(h);
    }
  }
  bool ok() const { return !sh_.empty(); }
  const Elf64_Ehdr& header() const { return eh_; }
  std::string section_name(size_t i) const {
    return reinterpret_cast<const char*>(b_.data() + sh_[eh_.e_shstrndx].sh_offset + sh_[i].sh_name);
  }
  int index(const std::string& name) const {
    for (size_t i = 0; i < sh_.size(); ++i)
      if (section_name(i) == name) return static_cast<int>(i);
    return -1;
  }
  const Elf64_Shdr& shdr(int i) const { return sh_[static_cast<size_t>(i)]; }
  std::vector<uint8_t> section(const std::string& name) const {
    int i = index(name);
    if (i < 0) return {};
    auto begin = b_.begin() + static_cast<long>(sh_[static_cast<size_t>(i)].sh_offset);
    return {begin, begin + static_cast<long>(sh_[static_cast<size_t>(i)].sh_size)};
  }
  std::vector<ElfSymbolInfo> symbols() const {
    std::vector<ElfSymbolInfo> out;
    int s = index(".symtab");
    if (s < 0) return out;
    const Elf64_Shdr& h = sh_[static_cast<size_t>(s)];
    const char* strings = reinterpret_cast<const char*>(b_.data() + sh_[h.sh_link].sh_offset);
    for (size_t off = 0; off < h.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, b_.data() + h.sh_offset + off, sizeof sym);
      out.push_back({strings + sym.st_name, sym.st_value, sym.st_size, ELF64_ST_BIND(sym.st_info),
                     ELF64_ST_TYPE(sym.st_info), sym.st_shndx});
    }
    return out;
  }
  // By value: two lookups in one expression (gas.symbol(n)->value == ours.symbol(n)->value) must not share
  // storage.
  std::optional<ElfSymbolInfo> symbol(const std::string& name) const {
    for (ElfSymbolInfo& s : symbols())
      if (s.name == name) return s;
    return std::nullopt;
  }
  std::vector<ElfRelaInfo> relocations(const std::string& rela_section) const {
    std::vector<ElfRelaInfo> out;
    int s = index(rela_section);
    if (s < 0) return out;
    const Elf64_Shdr& h = sh_[static_cast<size_t>(s)];
    for (size_t off = 0; off < h.sh_size; off += sizeof(Elf64_Rela)) {
      Elf64_Rela r;
      std::memcpy(&r, b_.data() + h.sh_offset + off, sizeof r);
      out.push_back({r.r_offset, static_cast<uint32_t>(ELF64_R_SYM(r.r_info)),
                     static_cast<uint32_t>(ELF64_R_TYPE(r.r_info)), r.r_addend});
    }
    return out;
  }

 private:
  std::vector<uint8_t> b_;
  Elf64_Ehdr eh_{};
  std::vector<Elf64_Shdr> sh_;
};

// readelf and objdump read the object without complaint: exit 0, nothing on stderr.
inline void expect_tools_accept(const std::string& object) {
  for (const char* tool : {"readelf -a -W", "objdump -d -r", "readelf --debug-dump=frames"}) {
    ToolResult r = sh(std::string(tool) + " '" + object + "'");
    EXPECT_EQ(r.exit_code, 0) << tool << " " << object << ": " << r.err;
    EXPECT_EQ(r.err, "") << tool << " " << object;
  }
}

}  // namespace njc::aot_test
