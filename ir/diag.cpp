// Formatting of user diagnostics and the internal assertion handler.
#include "ir/diag.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace njc {

namespace {
std::string nth_line(const std::string& source, int line) {
  std::istringstream in(source);
  std::string text;
  for (int i = 1; std::getline(in, text); ++i)
    if (i == line) return text;
  return {};
}
}  // namespace

std::string format_diag(const Diag& d, const std::string* source) {
  std::string out = d.file.empty() ? std::string("<input>") : d.file;
  if (d.line > 0) {
    out += ":" + std::to_string(d.line);
    if (d.col > 0) out += ":" + std::to_string(d.col);
  }
  out += ": error: " + d.message;
  if (!d.pointer.empty()) out += " [at " + d.pointer + "]";
  out += "\n";
  if (source && d.line > 0) {
    std::string text = nth_line(*source, d.line);
    if (!text.empty() && text.size() < 400) {
      out += text + "\n";
      if (d.col > 0) out += std::string(static_cast<size_t>(d.col - 1), ' ') + "^\n";
    }
  }
  return out;
}

void assertion_failed(const char* file, int line, const char* cond, std::string_view msg) {
  std::fprintf(stderr, "njc internal error: %s:%d: %s: %.*s\n", file, line, cond,
               static_cast<int>(msg.size()), msg.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace njc
