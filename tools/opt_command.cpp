// `njc opt`: reads loop IR text, runs a pass pipeline (--passes or -O<level>) with the verifier after every
// pass, and prints the result; the driver of every loop IR and pass lit test.
#include "tools/opt_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>

#include "ir/loop_interpreter.h"
#include "ir/loop_parser.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"
#include "passes/pass_manager.h"
#include "passes/pass_registry.h"
#include "passes/pipelines.h"

namespace njc::tools {

namespace {

using loop::Kernel;

struct Chunk {
  std::string text;
  int first_line;  // 1-based line of the chunk in the whole file
};

// Splits at lines that are exactly "// -----" (surrounding spaces allowed).
std::vector<Chunk> split_input(const std::string& text, bool split) {
  if (!split) return {{text, 1}};
  std::vector<Chunk> out{{"", 1}};
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    size_t b = line.find_first_not_of(" \t");
    size_t e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos && line.substr(b, e - b + 1) == "// -----") {
      out.push_back({"", n + 1});
      continue;
    }
    out.back().text += line + "\n";
  }
  return out;
}

// `// expected-error@+N {{text}}` (also @-N, or no @: the comment's own line) in a chunk: the errors a
// --verify-diagnostics run must produce, as (absolute line, text).
struct Expectation {
  int line;
  std::string text;
  bool seen = false;
};

std::vector<Expectation> expectations(const Chunk& c) {
  std::vector<Expectation> out;
  std::istringstream in(c.text);
  std::string line;
  for (int n = c.first_line; std::getline(in, line); ++n) {
    size_t at = line.find("expected-error");
    if (at == std::string::npos || line.rfind("//", at) == std::string::npos) continue;
    size_t open = line.find("{{", at), close = line.rfind("}}");
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    int target = n;
    if (line.size() > at + 14 && line[at + 14] == '@') target = n + std::atoi(line.c_str() + at + 15);
    out.push_back({target, line.substr(open + 2, close - open - 2)});
  }
  return out;
}

// Fills inputs and state with deterministic pseudo-random values in [-1, 1].
loop::BufferData random_buffers(const Kernel& k) {
  loop::BufferData mem = loop::make_buffers(k);
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t b = 0; b < k.buffers.size(); ++b)
    if (k.buffers[b].kind == loop::BufferKind::kInput || k.buffers[b].kind == loop::BufferKind::kState)
      for (float& x : mem[b]) x = dist(rng);
  return mem;
}

// Largest difference between outputs/state of two runs, relative to max(1, |reference|).
double compare_runs(const Kernel& before, const Kernel& after) {
  loop::BufferData a = random_buffers(before), b = random_buffers(after);
  loop::interpret(before, a);
  loop::interpret(after, b);
  double worst = 0;
  for (size_t i = 0; i < before.buffers.size(); ++i) {
    auto kind = before.buffers[i].kind;
    if (kind != loop::BufferKind::kOutput && kind != loop::BufferKind::kState) continue;
    for (size_t e = 0; e < a[i].size(); ++e) {
      double d = std::fabs(static_cast<double>(a[i][e]) - b[i][e]) / std::max(1.0, std::fabs(static_cast<double>(a[i][e])));
      if (std::isnan(a[i][e]) != std::isnan(b[i][e])) d = INFINITY;
      worst = std::max(worst, std::isnan(d) ? 0.0 : d);
    }
  }
  return worst;
}

}  // namespace

int run_opt_command(int argc, char** argv) {
  CLI::App app{"njc opt: run loop IR passes.\n  njc opt FILE [--passes=PIPELINE | -O0..-O3] [--print-after=PASS|all] "
               "[--time-passes] [--run] [--split-input-file]",
               "njc opt"};
  std::string file = "-";
  std::string passes_text;
  std::optional<int> level;
  std::vector<std::string> print_after;
  bool time_passes = false, run = false, split = false, print_pipeline = false, no_verify = false;
  std::string target_name = "avx512";
  app.add_option("file", file, "loop IR file ('-' or none: stdin)");
  app.add_option("--passes", passes_text, "pass pipeline, e.g. 'interchange{order=1,0,2},tile{sizes=32,32}'");
  app.add_option("-O", level, "default pipeline of level 0..3 (per kernel)")->check(CLI::Range(0, 3));
  app.add_option("--print-after", print_after, "print the IR after each run of this pass (or 'all') to stderr")
      ->delimiter(',');
  app.add_flag("--time-passes", time_passes, "report the time spent in each pass (stderr)");
  app.add_flag("--run", run,
               "interpret each kernel before and after the pipeline on pseudo-random inputs; fail if outputs "
               "differ beyond fp32 reassociation tolerance");
  app.add_flag("--split-input-file", split, "treat '// -----' lines as boundaries of independent inputs");
  app.add_flag("--print-pipeline", print_pipeline, "print the pipeline run on each kernel (stderr)");
  bool verify_diagnostics = false;
  app.add_flag("--verify-diagnostics", verify_diagnostics,
               "check that the errors are exactly those announced by '// expected-error@+N {{text}}' comments "
               "(exit 0 if so)");
  app.add_flag("--no-verify", no_verify, "do not run the verifier after each pass");
  app.add_option("--target", target_name, "vector target for -O3: avx512, avx2 or sse4")
      ->check(CLI::IsMember({"avx512", "avx2", "sse4"}));
  app.footer(passes::registry_help());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (level && !passes_text.empty()) {
    std::fprintf(stderr, "njc opt: error: --passes and -O%d are exclusive\n", *level);
    return 2;
  }
  passes::Pipeline explicit_pipeline;
  if (!passes_text.empty()) {
    Expected<passes::Pipeline> p = passes::parse_pipeline(passes_text);
    if (!p) {
      std::fputs(format_diag(p.error(), &passes_text).c_str(), stderr);
      return 2;
    }
    explicit_pipeline = std::move(*p);
  }
  for (const std::string& name : print_after)
    if (name != "all" && !passes::find_pass(name)) {
      std::fprintf(stderr, "njc opt: error: --print-after: unknown pass '%s'\n", name.c_str());
      return 2;
    }

  std::string source;
  if (file == "-") {
    source.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: error: cannot read the file\n", file.c_str());
      return 1;
    }
    source.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string display = file == "-" ? "<stdin>" : file;

  passes::RunConfig config;
  config.target = target_name == "avx2" ? passes::TargetDesc::avx2()
                  : target_name == "sse4" ? passes::TargetDesc::sse()
                                         : passes::TargetDesc::avx512();
  config.print_after = print_after;
  config.time_passes = time_passes;
  config.verify_each = !no_verify;
  passes::PassManager pm(config);

  bool failed = false;
  std::string out;
  std::vector<Chunk> chunks = split_input(source, split);
  std::vector<Expectation> expected;
  auto report = [&](Diag d, int first_line) {
    if (d.file.empty()) d.file = display;
    if (d.line > 0) d.line += first_line - 1;
    if (verify_diagnostics) {
      for (Expectation& e : expected)
        if (!e.seen && e.line == d.line && d.message.find(e.text) != std::string::npos) {
          e.seen = true;
          return;
        }
      d.message = "unexpected error: " + d.message;
    }
    std::fputs(format_diag(d, &source).c_str(), stderr);
    failed = true;
  };
  for (size_t c = 0; c < chunks.size(); ++c) {
    if (verify_diagnostics) {
      for (const Expectation& e : expected)
        if (!e.seen) {
          std::fputs(format_diag(Diag{display, e.line, 0, "", "expected error was not produced: " + e.text}, &source).c_str(),
                     stderr);
          failed = true;
        }
      expected = expectations(chunks[c]);
    }
    if (c) out += "// -----\n";
    Expected<loop::Module> m = loop::parse_module(chunks[c].text, display);
    if (!m) {
      report(m.error(), chunks[c].first_line);
      continue;
    }
    bool chunk_ok = true;
    for (Kernel& k : m->kernels) {
      if (Status s = loop::verify(k); !s) {
        report(s.error(), chunks[c].first_line);
        chunk_ok = false;
        break;
      }
      Kernel before = run ? k : Kernel{};
      passes::Pipeline pipeline =
          level ? passes::default_pipeline(*level, k, config.target) : explicit_pipeline;
      if (print_pipeline)
        std::fprintf(stderr, "// pipeline @%s: %s\n", k.name.c_str(), passes::format_pipeline(pipeline).c_str());
      std::string dump;
      Status s = pm.run(pipeline, k, dump);
      std::fputs(dump.c_str(), stderr);
      if (!s) {
        report(s.error(), chunks[c].first_line);
        chunk_ok = false;
        break;
      }
      if (run) {
        double diff = compare_runs(before, k);
        std::fprintf(stderr, "// run @%s: max relative difference %g\n", k.name.c_str(), diff);
        if (!(diff <= 1e-4)) {
          std::fprintf(stderr, "%s: error: @%s computes different results after the pipeline\n", display.c_str(),
                       k.name.c_str());
          failed = true;
        }
      }
    }
    if (chunk_ok) out += loop::print(*m);
  }
  for (const Expectation& e : expected)
    if (!e.seen) {
      std::fputs(format_diag(Diag{display, e.line, 0, "", "expected error was not produced: " + e.text}, &source).c_str(),
                 stderr);
      failed = true;
    }
  std::fputs(out.c_str(), stdout);
  if (time_passes) std::fputs(pm.timing_report().c_str(), stderr);
  return failed ? 1 : 0;
}

}  // namespace njc::tools
