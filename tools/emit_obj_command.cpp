// Ahead-of-time builds from the command line (see emit_obj_command.h): parse, build the module
// (runtime/aot_build.h), write the object or assembler file and the header, all or nothing.
#include "tools/emit_obj_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "frontend/model_loader.h"
#include "runtime/aot_assembly.h"
#include "runtime/aot_build.h"
#include "runtime/aot_header.h"
#include "tools/atomic_file.h"

namespace njc::tools {

namespace {

constexpr int kUserError = 1, kUsageError = 2;

int report(const Diag& d) {
  std::fputs(format_diag(d).c_str(), stderr);
  return kUserError;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "njc: error: %s\n", message.c_str());
  return kUserError;
}

struct Request {
  std::string model, output, header, name, target = "host";
  bool obj = false, assembly = false, tune = false, weights_anywhere = false, keep_denormals = false;
  int opt_level = 3;
  int64_t max_memory_mib = kDefaultMemoryBudget >> 20;
};

// The targets named by --target: one, or a comma-separated list ("avx512,avx2,sse4": one variant each and
// a dispatcher); "host" is the best this CPU runs (the object need not run here).
Expected<std::vector<x86::Target>> targets_of(const std::string& list) {
  std::vector<x86::Target> out;
  size_t begin = 0;
  while (begin <= list.size()) {
    size_t end = std::min(list.find(',', begin), list.size());
    const std::string name = list.substr(begin, end - begin);
    std::optional<x86::Target> t = name == "host" ? x86::host_target() : x86::parse_target(name);
    if (!t) return Diag{"", 0, 0, "", name};
    out.push_back(*t);
    begin = end + 1;
  }
  return out;
}

int build(const Request& r) {
  auto targets = targets_of(r.target);
  if (!targets)
    return fail("unknown target '" + targets.error().message +
                "' (host, avx512, avx2, sse4, or a comma-separated list of them)");
  auto g = load_model_file(r.model, ReadOptions{r.weights_anywhere, r.max_memory_mib << 20});
  if (!g) return report(g.error());
  runtime::AotOptions o;
  o.target = targets->front();
  o.targets = *targets;
  o.opt_level = r.opt_level;
  o.name = r.name;
  o.assembly = r.assembly;
  o.tune = r.tune;
  o.flush_denormals = !r.keep_denormals;
  auto m = runtime::build_aot(*g, o);
  if (!m) {
    Diag d = m.error();
    if (d.file.empty()) return fail(d.message);
    return report(d);
  }
  const std::string content =
      r.assembly ? runtime::aot_assembly(*m) : std::string(m->object.begin(), m->object.end());
  if (Status s = write_file_atomically(r.output, content); !s) return report(s.error());
  if (!r.header.empty()) {
    if (Status s = write_file_atomically(r.header, runtime::aot_header(*m, r.model)); !s) {
      unlink(r.output.c_str());  // all or nothing: the object without its header is no build
      return report(s.error());
    }
  }
  return 0;
}

}  // namespace

bool wants_emit_obj(int argc, char** argv) {
  bool obj = false, assembly = false, o = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    obj = obj || a == "--emit-obj";
    assembly = assembly || a == "--emit-asm";
    o = o || a == "-o" || (a.starts_with("-o") && a.size() > 2 && a[2] != '-');
  }
  return obj || (assembly && o);
}

int run_emit_obj_command(int argc, char** argv) {
  CLI::App app{"njc ahead-of-time build: a model to an ELF object and a C header (docs/aot.md)", "njc"};
  Request r;
  app.add_option("model", r.model, "Model: njc JSON (docs/model-format.md), an RTNeural model, or graph IR text")->required();
  app.add_flag("--emit-obj", r.obj,
               "Write an ELF64 relocatable object (-o) and, with --header, its C header");
  app.add_flag("--emit-asm", r.assembly, "Write the same module as a GNU as file (-o FILE.s)");
  app.add_option("-o", r.output, "The object or assembler file to write")->required();
  app.add_option("--header", r.header, "The C/C++ header to write (with --emit-obj)");
  app.add_option("--name", r.name,
                 "Symbol prefix: NAME_run, NAME_init_state, NAME_STATE_BYTES... (default: "
                 "the model's name)");
  app.add_option("-O", r.opt_level, "Optimization level: 0 to 3 (default 3)")->check(CLI::Range(0, 3));
  app.add_option("--target", r.target,
                 "Instruction set: host (default), avx512, avx2, sse4, or a list (avx512,avx2,sse4): one "
                 "variant per target, the best the CPU runs chosen at the first call");
  app.add_flag("--keep-denormals", r.keep_denormals,
               "The object's run computes with IEEE subnormal numbers (by default it sets flush-to-zero and "
               "denormals-are-zero for the call and restores the caller's MXCSR)");
  app.add_flag("--weights-anywhere", r.weights_anywhere,
               "Let the model's weight files lie outside its directory");
  app.add_option("--max-memory", r.max_memory_mib,
                 "Refuse a model whose tensors need more than this many MiB (default 4096)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_flag("--tune", r.tune,
               "Autotune every kernel now (on this CPU, for --target) and build the fastest schedules in "
               "instead of -O's");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (r.obj == r.assembly) {
    std::fprintf(stderr, "njc: give one of --emit-obj and --emit-asm with -o\n");
    return kUsageError;
  }
  if (r.assembly && !r.header.empty()) {
    std::fprintf(stderr, "njc: --header goes with --emit-obj\n");
    return kUsageError;
  }
  return build(r);
}

}  // namespace njc::tools
