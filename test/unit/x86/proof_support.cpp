// Tool running and text normalization for the encoder proof tests (see proof_support.h).
#include "proof_support.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
// libstdc++ 12's <regex> trips -Wmaybe-uninitialized under -fsanitize=address (a known false positive in
// regex_automaton.h); the test helpers only parse tool output with it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <sstream>

namespace njc::x86::test {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/njc-x86-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

bool tool_exists(const char* path) {
  return access(path, X_OK) == 0;
}

int run(const std::string& cmd) {
  return std::system(cmd.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    if (i) s += ' ';
    s += b;
  }
  return s;
}

McResult llvm_mc_encode(const ScratchDir& dir, const std::vector<std::string>& lines) {
  McResult r;
  std::string text = ".intel_syntax noprefix\n";
  for (const std::string& l : lines) text += l + "\n";
  const std::string in = dir.file("proof.s"), out = dir.file("proof.out"), err = dir.file("proof.err");
  write_file(in, text);
  run(std::string(kLlvmMc) + " --show-encoding -output-asm-variant=1 -mattr=" + kMattr + " " + in + " >" +
      out + " 2>" + err);
  // Errors look like "<path>:LINE:COL: error: ..."; line 1 is the .intel_syntax directive.
  std::istringstream es(read_file(err));
  const std::regex err_re(R"(:(\d+):\d+: error: (.*))");
  std::smatch m;
  for (std::string l; std::getline(es, l);) {
    if (std::regex_search(l, m, err_re)) {
      const size_t line = std::stoul(m[1]) - 2;
      if (line < lines.size()) r.errors[line] = m[2];
    }
  }
  std::istringstream os(read_file(out));
  std::vector<std::vector<uint8_t>> found;
  for (std::string l; std::getline(os, l);) {
    const size_t at = l.find("encoding: [");
    if (at == std::string::npos) continue;
    std::vector<uint8_t> bytes;
    const std::string list = l.substr(at + 11, l.find(']', at) - at - 11);
    std::istringstream ls(list);
    for (std::string tok; std::getline(ls, tok, ',');)
      bytes.push_back(static_cast<uint8_t>(std::stoul(tok, nullptr, 16)));
    found.push_back(bytes);
  }
  size_t next = 0;
  r.encodings.resize(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (r.errors.count(i)) continue;
    if (next < found.size()) r.encodings[i] = found[next++];
  }
  if (found.empty() && !lines.empty())
    r.failure = "llvm-mc produced no encodings: " + read_file(err).substr(0, 500);
  return r;
}

std::map<size_t, Decoded> objdump_decode(const ScratchDir& dir, const std::vector<uint8_t>& bytes) {
  const std::string bin = dir.file("proof.bin"), out = dir.file("proof.dis");
  write_bytes(bin, bytes);
  run(std::string(kObjdump) + " -D -b binary -m i386:x86-64 -M intel --insn-width=16 " + bin + " >" + out +
      " 2>&1");
  std::map<size_t, Decoded> result;
  std::istringstream is(read_file(out));
  const std::regex line_re(R"(^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$)");
  std::smatch m;
  for (std::string l; std::getline(is, l);) {
    if (!std::regex_match(l, m, line_re)) continue;
    Decoded d;
    d.length = static_cast<int>((m[2].str().size() + 1) / 3);
    d.text = m[3];
    result[std::stoul(m[1], nullptr, 16)] = d;
  }
  return result;
}

namespace {

constexpr const char* kCmpPredicates[32] = {
    "eq",    "lt",     "le",     "unord",    "neq",    "nlt",    "nle",    "ord",
    "eq_uq", "nge",    "ngt",    "false",    "neq_oq", "ge",     "gt",     "true",
    "eq_os", "lt_oq",  "le_oq",  "unord_s",  "neq_us", "nlt_uq", "nle_uq", "ord_s",
    "eq_us", "nge_uq", "ngt_uq", "false_os", "neq_os", "ge_oq",  "gt_oq",  "true_us"};

// vcmpltps k1,zmm0,zmm1 -> vcmpps k1,zmm0,zmm1,1; cmpltps xmm0,xmm1 -> cmpps xmm0,xmm1,1 (legacy SSE
// has only the first eight predicates).
std::string unfold_vcmp(const std::string& mnemonic, std::string& operands) {
  const bool vex = mnemonic.rfind("vcmp", 0) == 0;
  const size_t skip = vex ? 4 : 3;
  if ((!vex && mnemonic.rfind("cmp", 0) != 0) || mnemonic.size() <= skip + 2 ||
      mnemonic.substr(mnemonic.size() - 2) != "ps")
    return mnemonic;
  const std::string pred = mnemonic.substr(skip, mnemonic.size() - skip - 2);
  for (int i = 0; i < (vex ? 32 : 8); ++i) {
    if (pred == kCmpPredicates[i]) {
      operands += "," + std::to_string(i);
      return vex ? "vcmpps" : "cmpps";
    }
  }
  return mnemonic;
}

// objdump prints [rip+0xfffffffffffffff8]; we print [rip - 0x8].
std::string negate_wrapped_disp(const std::string& s) {
  static const std::regex re(R"(\+0x([89a-f][0-9a-f]{15})\])");
  std::smatch m;
  std::string out = s;
  if (std::regex_search(out, m, re)) {
    const uint64_t v = std::stoull(m[1], nullptr, 16);
    char buf[32];
    std::snprintf(buf, sizeof buf, "-0x%llx]", static_cast<unsigned long long>(-v));
    out.replace(static_cast<size_t>(m.position(0)), static_cast<size_t>(m.length(0)), buf);
  }
  return out;
}

}  // namespace

std::string normalize(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (c == '#' || c == '<') break;
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  s = std::regex_replace(s, std::regex(R"(\{1to\d+\}|\{evex\} )"), "");
  s = std::regex_replace(s, std::regex(R"(ds:(0x[0-9a-f]+))"), "[$1]");
  s = std::regex_replace(s, std::regex(R"(\b(ptr|bcst)\b)"), "");
  s = std::regex_replace(s, std::regex(R"(\+0x0\])"), "]");
  s = negate_wrapped_disp(s);
  std::istringstream is(s);
  std::string mnemonic, rest, word;
  is >> mnemonic;
  while (is >> word) rest += word;
  mnemonic = unfold_vcmp(mnemonic, rest);
  return rest.empty() ? mnemonic : mnemonic + " " + rest;
}

namespace {

struct Token {
  bool number;
  std::string text;
  __int128 value;
};

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t ops = s.find(' ');
  while (i < s.size()) {
    const bool at_operand_start = i == ops + 1 || (i > 0 && s[i - 1] == ',');
    const bool after_sep =
        i > 0 && (s[i - 1] == '+' || s[i - 1] == '-' || s[i - 1] == '*' || s[i - 1] == '[');
    const bool sign = at_operand_start && s[i] == '-' && i + 1 < s.size() &&
                      std::isdigit(static_cast<unsigned char>(s[i + 1]));
    if ((at_operand_start || after_sep) && (std::isdigit(static_cast<unsigned char>(s[i])) || sign)) {
      size_t j = i + (sign ? 1 : 0);
      const bool is_hex = s.compare(j, 2, "0x") == 0;
      if (is_hex) j += 2;
      const size_t digits = j;
      while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j])) &&
             (is_hex || std::isdigit(static_cast<unsigned char>(s[j]))))
        ++j;
      __int128 v =
          static_cast<__int128>(std::stoull(s.substr(digits, j - digits), nullptr, is_hex ? 16 : 10));
      out.push_back(Token{true, s.substr(i, j - i), sign ? -v : v});
      i = j;
      continue;
    }
    if (out.empty() || out.back().number) out.push_back(Token{false, "", 0});
    out.back().text += s[i++];
  }
  return out;
}

bool same_number(__int128 a, __int128 b) {
  if (a == b) return true;
  for (int w : {8, 16, 32, 64}) {
    const __int128 lo = -(static_cast<__int128>(1) << (w - 1)), hi = (static_cast<__int128>(1) << w) - 1;
    const __int128 mod = static_cast<__int128>(1) << w;
    if (a >= lo && a <= hi && b >= lo && b <= hi && ((a - b) % mod + mod) % mod == 0) return true;
  }
  return false;
}

}  // namespace

bool same_text(const std::string& a, const std::string& b) {
  const std::vector<Token> ta = tokenize(a), tb = tokenize(b);
  if (ta.size() != tb.size()) return false;
  for (size_t i = 0; i < ta.size(); ++i) {
    if (ta[i].number != tb[i].number) return false;
    if (ta[i].number ? !same_number(ta[i].value, tb[i].value) : ta[i].text != tb[i].text) return false;
  }
  return true;
}

}  // namespace njc::x86::test
