// Pass manager: pipeline text <-> PassInstance list, and the run loop (pass, verify, dump, time).
#include "passes/pass_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"

namespace njc::passes {

namespace {
Diag pipeline_error(size_t col, std::string msg) {
  return Diag{"--passes", 1, static_cast<int>(col), "", std::move(msg)};
}
}  // namespace

Expected<Pipeline> parse_pipeline(std::string_view text) {
  Pipeline p;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (text[i] == ',' || std::isspace(static_cast<unsigned char>(text[i])))) ++i;
  };
  skip();
  while (i < text.size()) {
    size_t b = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-')) ++i;
    std::string_view name = text.substr(b, i - b);
    if (name.empty()) return pipeline_error(b + 1, fmt::format("expected a pass name, found '{}'", text[i]));
    const PassInfo* info = find_pass(name);
    if (!info) return pipeline_error(b + 1, fmt::format("unknown pass '{}' (see njc opt --help)", name));
    std::string_view opts;
    size_t opts_col = i + 1;
    if (i < text.size() && text[i] == '{') {
      size_t close = text.find('}', i);
      if (close == std::string_view::npos) return pipeline_error(i + 1, "unterminated '{' in pass options");
      opts = text.substr(i + 1, close - i - 1);
      opts_col = i + 2;
      i = close + 1;
    }
    if (i < text.size() && text[i] != ',' && !std::isspace(static_cast<unsigned char>(text[i])))
      return pipeline_error(i + 1, fmt::format("expected ',' between passes, found '{}'", text[i]));
    Expected<PassOptions> o = parse_pass_options(*info, opts);
    if (!o) {
      Diag d = o.error();
      return pipeline_error(opts_col + static_cast<size_t>(std::max(d.col, 1)) - 1, d.message);
    }
    p.push_back({info, std::move(*o)});
    skip();
  }
  return p;
}

std::string format_pipeline(const Pipeline& p) {
  std::string s;
  for (const PassInstance& pi : p) s += (s.empty() ? "" : ",") + format_pass(*pi.info, pi.options);
  return s;
}

Status PassManager::run(const Pipeline& p, loop::Kernel& k, std::string& dump) {
  for (const PassInstance& pi : p) {
    auto start = std::chrono::steady_clock::now();
    Status s = pi.info->run(k, pi.options, config_.target);
    auto took = std::chrono::steady_clock::now() - start;
    if (config_.time_passes) {
      auto it = std::find_if(times_.begin(), times_.end(), [&](const auto& t) { return t.first == pi.info->name; });
      if (it == times_.end())
        times_.emplace_back(std::string(pi.info->name), took);
      else
        it->second += took;
    }
    if (!s) return s;
    if (config_.verify_each) {
      if (Status v = loop::verify(k); !v) {
        Diag d = v.error();
        d.message = fmt::format("internal error: pass '{}' produced invalid IR in @{}: {}", pi.info->name, k.name,
                                d.message);
        return d;
      }
    }
    bool print = std::find(config_.print_after.begin(), config_.print_after.end(), "all") !=
                     config_.print_after.end() ||
                 std::find(config_.print_after.begin(), config_.print_after.end(), pi.info->name) !=
                     config_.print_after.end();
    if (print) dump += fmt::format("// -----// IR after {} //----- //\n{}", format_pass(*pi.info, pi.options), loop::print(k));
  }
  return {};
}

std::string PassManager::timing_report() const {
  if (times_.empty()) return "";
  auto sorted = times_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::chrono::nanoseconds total{};
  for (const auto& t : sorted) total += t.second;
  std::string s = "===-------------------------------------------------------------------------===\n"
                  "                          ... Pass execution timing report ...\n"
                  "===-------------------------------------------------------------------------===\n"
                  "  Wall Time (ms)  Name\n";
  for (const auto& [name, ns] : sorted) s += fmt::format("  {:>14.4f}  {}\n", ns.count() / 1e6, name);
  s += fmt::format("  {:>14.4f}  Total\n", total.count() / 1e6);
  return s;
}

}  // namespace njc::passes
