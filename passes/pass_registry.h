// The pass registry: every pass is declared once here-in-spirit (one PassInfo, defined next to the pass in
// its own file) with its kebab-case name, one-line summary and typed options with defaults. The registry
// drives --passes parsing, `njc opt --help`, --print-after and --time-passes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"
#include "passes/target.h"

namespace njc::passes {

// Option value types. Words are keywords an option accepts besides its typed values ("full", "auto").
enum class OptionType { kInt, kIntList, kName, kWord };  // kWord: one of OptionDecl::words

struct OptionDecl {
  std::string_view name;
  OptionType type;
  std::string_view default_value;  // in option syntax: "4", "1,0,2", "auto", "" (unset)
  std::string_view help;
  std::vector<std::string_view> words = {};
};

// Parsed, validated option values of one pass instance, defaults filled in.
class PassOptions {
 public:
  struct Value {
    std::vector<int64_t> ints;  // kInt: one element; kIntList: any number
    std::string word;           // a keyword from OptionDecl::words, or the kName value
    bool given = false;         // written by the user (not the default)
  };

  int64_t get_int(std::string_view name) const;
  const std::vector<int64_t>& get_ints(std::string_view name) const;
  // The keyword or name the option holds ("" when it holds numbers or is unset).
  const std::string& get_word(std::string_view name) const;
  bool given(std::string_view name) const;
  void set(std::string_view name, Value v);
  const std::vector<std::pair<std::string, Value>>& values() const { return values_; }

 private:
  const Value& find(std::string_view name) const;
  std::vector<std::pair<std::string, Value>> values_;
};

using PassFn = Status (*)(loop::Kernel&, const PassOptions&, const TargetDesc&);

struct PassInfo {
  std::string_view name;
  std::string_view summary;
  std::vector<OptionDecl> options;
  PassFn run;
};

// Every registered pass, in the order `njc opt --help` lists them.
const std::vector<PassInfo>& pass_registry();
const PassInfo* find_pass(std::string_view name);

// Parses "a=1,2 b=full" (or "a=1,2,b=full") against info's declarations; unknown names, bad numbers and
// words the option does not accept are Diags whose col is 1-based within text.
Expected<PassOptions> parse_pass_options(const PassInfo& info, std::string_view text);
// "name{opt=value,...}" listing every option the user gave, in declaration order.
std::string format_pass(const PassInfo& info, const PassOptions& options);
// The --help text of every pass and option.
std::string registry_help();

}  // namespace njc::passes
