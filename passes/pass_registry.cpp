// Pass registry and option parsing. The list itself is passes.def; each pass's PassInfo lives beside it.
#include "passes/pass_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ir/assert.h"

namespace njc::passes {

#define NJC_PASS(fn) PassInfo fn();
#include "passes/passes.def"

const std::vector<PassInfo>& pass_registry() {
  static const std::vector<PassInfo> registry = {
#define NJC_PASS(fn) fn(),
#include "passes/passes.def"
  };
  return registry;
}

const PassInfo* find_pass(std::string_view name) {
  for (const PassInfo& p : pass_registry())
    if (p.name == name) return &p;
  return nullptr;
}

const PassOptions::Value& PassOptions::find(std::string_view name) const {
  for (const auto& [n, v] : values_)
    if (n == name) return v;
  NJC_UNREACHABLE("pass option not declared: " + std::string(name));
}

int64_t PassOptions::get_int(std::string_view name) const {
  const Value& v = find(name);
  NJC_ASSERT(v.ints.size() == 1, "option has no integer value: " + std::string(name));
  return v.ints[0];
}
const std::vector<int64_t>& PassOptions::get_ints(std::string_view name) const { return find(name).ints; }
const std::string& PassOptions::get_word(std::string_view name) const { return find(name).word; }
bool PassOptions::given(std::string_view name) const { return find(name).given; }

void PassOptions::set(std::string_view name, Value v) {
  for (auto& [n, old] : values_)
    if (n == name) {
      old = std::move(v);
      return;
    }
  values_.emplace_back(std::string(name), std::move(v));
}

namespace {

struct Token {
  std::string_view text;
  size_t col;  // 1-based
};

// Splits on ',' and whitespace.
std::vector<Token> tokens(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < s.size() && s[i] != ',' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    out.push_back({s.substr(b, i - b), b + 1});
  }
  return out;
}

Diag option_error(size_t col, std::string msg) { return Diag{"", 1, static_cast<int>(col), "", std::move(msg)}; }

// Adds one value token to v, typed by decl.
Status add_value(const PassInfo& info, const OptionDecl& decl, PassOptions::Value& v, Token t) {
  if (std::find(decl.words.begin(), decl.words.end(), t.text) != decl.words.end()) {
    if (!v.ints.empty() || !v.word.empty())
      return option_error(t.col, fmt::format("{}: option '{}' takes '{}' alone", info.name, decl.name, t.text));
    v.word = std::string(t.text);
    return {};
  }
  if (decl.type == OptionType::kName) {
    if (!v.word.empty())
      return option_error(t.col, fmt::format("{}: option '{}' takes one name", info.name, decl.name));
    v.word = std::string(t.text);
    return {};
  }
  if (decl.type == OptionType::kWord) {
    std::string expect;
    for (std::string_view w : decl.words) expect += (expect.empty() ? "'" : " or '") + std::string(w) + "'";
    return option_error(t.col, fmt::format("{}: option '{}' expects {}, not '{}'", info.name, decl.name, expect, t.text));
  }
  int64_t n = 0;
  bool ok = !t.text.empty();
  size_t start = t.text[0] == '-' ? 1 : 0;
  ok = ok && start < t.text.size();
  for (size_t i = start; ok && i < t.text.size(); ++i) {
    ok = std::isdigit(static_cast<unsigned char>(t.text[i])) && n < (int64_t{1} << 40);
    n = n * 10 + (t.text[i] - '0');
  }
  if (!ok) {
    std::string expect = decl.type == OptionType::kInt ? "an integer" : "integers";
    for (std::string_view w : decl.words) expect += fmt::format(" or '{}'", w);
    return option_error(t.col, fmt::format("{}: option '{}' expects {}, not '{}'", info.name, decl.name, expect, t.text));
  }
  if (!v.word.empty() || (decl.type == OptionType::kInt && !v.ints.empty()))
    return option_error(t.col, fmt::format("{}: option '{}' takes one value", info.name, decl.name));
  v.ints.push_back(start ? -n : n);
  return {};
}

}  // namespace

Expected<PassOptions> parse_pass_options(const PassInfo& info, std::string_view text) {
  PassOptions opts;
  // Defaults first.
  for (const OptionDecl& d : info.options) {
    PassOptions::Value v;
    for (Token t : tokens(d.default_value)) {
      Status s = add_value(info, d, v, t);
      NJC_ASSERT(s, "bad default for option " + std::string(d.name));
    }
    opts.set(d.name, std::move(v));
  }
  const OptionDecl* current = nullptr;
  PassOptions::Value value;
  auto flush = [&]() -> Status {
    if (!current) return {};
    if (value.ints.empty() && value.word.empty())
      return option_error(1, fmt::format("{}: option '{}' has no value", info.name, current->name));
    value.given = true;
    opts.set(current->name, std::move(value));
    value = {};
    return {};
  };
  for (Token t : tokens(text)) {
    size_t eq = t.text.find('=');
    if (eq != std::string_view::npos) {
      if (Status s = flush(); !s) return s.error();
      std::string_view name = t.text.substr(0, eq);
      current = nullptr;
      for (const OptionDecl& d : info.options)
        if (d.name == name) current = &d;
      if (!current) {
        std::string known;
        for (const OptionDecl& d : info.options) known += (known.empty() ? "" : ", ") + std::string(d.name);
        return option_error(t.col, fmt::format("{}: unknown option '{}' (options: {})", info.name, name,
                                               known.empty() ? "none" : known));
      }
      t.text = t.text.substr(eq + 1);
      t.col += eq + 1;
      if (t.text.empty()) continue;
    } else if (!current) {
      return option_error(t.col, fmt::format("{}: expected 'option=value', found '{}'", info.name, t.text));
    }
    if (Status s = add_value(info, *current, value, t); !s) return s.error();
  }
  if (Status s = flush(); !s) return s.error();
  return opts;
}

std::string format_pass(const PassInfo& info, const PassOptions& options) {
  std::string s(info.name);
  std::string body;
  for (const OptionDecl& d : info.options) {
    if (!options.given(d.name)) continue;
    const std::string& w = options.get_word(d.name);
    std::string v = w.empty() ? fmt::format("{}", fmt::join(options.get_ints(d.name), ",")) : w;
    body += (body.empty() ? "" : " ") + fmt::format("{}={}", d.name, v);
  }
  if (!body.empty()) s += "{" + body + "}";
  return s;
}

std::string registry_help() {
  std::string s = "Passes (--passes='name{option=value ...},name,...'):\n";
  for (const PassInfo& p : pass_registry()) {
    s += fmt::format("  {:<18} {}\n", p.name, p.summary);
    for (const OptionDecl& d : p.options) {
      std::string def = d.default_value.empty() ? "unset" : std::string(d.default_value);
      s += fmt::format("      {:<10} {} (default: {})\n", d.name, d.help, def);
    }
  }
  return s;
}

}  // namespace njc::passes
