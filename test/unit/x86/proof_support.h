// Helpers for the external proof of the encoder: a scratch directory, running llvm-mc and objdump, parsing
// their output, and normalizing Intel-syntax text so that our printer and objdump's can be compared.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace njc::x86::test {

inline constexpr const char* kLlvmMc = "/usr/bin/llvm-mc";
inline constexpr const char* kObjdump = "/usr/bin/objdump";
inline constexpr const char* kMattr = "+avx512f,+avx512vl,+avx512dq,+avx512bw,+avx512bf16,+fma,+avx2";

// A mkdtemp directory under $TMPDIR (or /tmp), removed with its files on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool tool_exists(const char* path);

// Runs a shell command; returns its exit status. stdout/stderr go to the given files.
int run(const std::string& cmd);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);

// llvm-mc --show-encoding over `lines` (one instruction each). Returns one encoding per line; a line llvm-mc
// rejected gets an empty encoding and its error text in errors[line].
struct McResult {
  std::vector<std::vector<uint8_t>> encodings;
  std::map<size_t, std::string> errors;
  std::string failure;  // non-empty when llvm-mc could not be run at all
};
McResult llvm_mc_encode(const ScratchDir& dir, const std::vector<std::string>& lines);

// objdump -D of raw bytes: offset -> (length, text).
struct Decoded {
  int length = 0;
  std::string text;
};
std::map<size_t, Decoded> objdump_decode(const ScratchDir& dir, const std::vector<uint8_t>& bytes);

// Text normalized for comparison: lower case, no spaces, no "ptr"/"bcst"/{1toN}/comments, "ds:X" as "[X]",
// vcmp<pred>ps folded back into vcmpps with an immediate. Numbers stay as written; compare with same_text().
std::string normalize(const std::string& text);

// True if two normalized texts are equal, treating numbers as equal when they agree modulo 2^8, 2^16,
// 2^32 or 2^64 within the range of that width (objdump prints -1 as 0xffffffff, we print -1).
bool same_text(const std::string& a, const std::string& b);

std::string hex(const uint8_t* p, size_t n);

}  // namespace njc::x86::test
