// The njc command line: `njc MODEL --jit run` (the main job), `--interp run` (the reference), `--emit-ir`,
// `--emit-asm`, and the subcommands `njc opt FILE` and `njc import FILE`.
// User errors print `file:line:col: error: ...` and exit 1; usage errors exit 2; nothing is written to
// stdout or to an output file unless the whole run succeeds.
#include <sys/stat.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>

#include "njc/version.h"

#include "frontend/model_loader.h"
#include "ir/graph_interpreter.h"
#include "ir/graph_printer.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"
#include "passes/lower_graph.h"
#include "passes/pipelines.h"
#include "runtime/aot_assembly.h"
#include "runtime/aot_build.h"
#include "runtime/code_cache.h"
#include "runtime/compiled_model.h"
#include "tools/atomic_file.h"
#include "tools/call_inputs.h"
#include "tools/emit_obj_command.h"
#include "tools/import_command.h"
#include "tools/opt_command.h"
#include "tools/output_json.h"
#include "tools/suggest.h"
#include "tools/tiered_run.h"

namespace njc::tools {
namespace {

constexpr int kUserError = 1;
constexpr int kUsageError = 2;

struct Options {
  std::string model_path;
  std::string interp_action;
  std::string jit_action;
  bool emit_asm = false;
  std::string emit_ir;
  std::string input_path;
  std::string output_path;
  int64_t iterations = 1;
  int opt_level = 3;
  std::string target = "host";
  bool weights_anywhere = false;
  bool keep_denormals = false;
  int64_t max_memory_mib = kDefaultMemoryBudget >> 20;
  TierFlags tiers;  // --profile, --trace, --tier, --jit-threshold, --tuning-cache: the tiered JIT
  std::string code_cache;
};

int report(const Diag& d) {
  auto source = d.line > 0 ? read_text_file(d.file) : Expected<std::string>(Diag{});
  std::fputs(format_diag(d, source ? &*source : nullptr).c_str(), stderr);
  return kUserError;
}

using Engine = std::function<std::vector<std::vector<float>>(const CallInputs&)>;

// The target named by --target ("host": the best the CPU runs).
x86::Target target_of(const Options& o) {
  return o.target == "host" ? x86::host_target() : *x86::parse_target(o.target);
}

passes::TargetDesc schedule_target(const Options& o) {
  x86::Target t = target_of(o);
  return {x86::target_lanes(t), x86::target_vector_registers(t)};
}

Expected<std::string> run_calls(const Graph& g, const Options& o, const Engine& engine) {
  InputStream stream;
  if (o.input_path.empty()) {
    std::fprintf(stderr, "njc: no --input given; using the deterministic default input (docs/cli.md)\n");
    stream.calls.push_back(default_call_inputs(g));
  } else {
    auto read = read_call_inputs(o.input_path, g);
    if (!read) return read.error();
    stream = std::move(*read);
  }
  std::string out;
  for (const CallInputs& call : stream.calls) {
    std::vector<std::vector<float>> result;
    for (int64_t i = 0; i < (stream.is_stream ? 1 : o.iterations); ++i) result = engine(call);
    out += outputs_to_json(g, result, !stream.is_stream);
  }
  return out;
}

int emit(const std::string& text, const Options& o) {
  if (o.output_path.empty()) {
    std::fputs(text.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : kUserError;
  }
  if (Status s = write_file_atomically(o.output_path, text); !s) return report(s.error());
  return 0;
}

// The model's kernels after lowering and the -O pipeline, as loop IR text.
Expected<std::string> loop_ir_text(const Graph& g, const Options& o) {
  auto lowered = passes::lower_graph(g);
  if (!lowered) {
    Diag d = lowered.error();
    d.file = o.model_path;
    return d;
  }
  // The pipeline as the JIT applies it: built while optimizing, then verified once per kernel.
  for (loop::Kernel& k : lowered->module.kernels) {
    if (Expected<passes::Pipeline> p = passes::optimize(o.opt_level, k, schedule_target(o)); !p)
      return p.error();
    if (Status s = loop::verify(k); !s)
      return Diag{o.model_path, 0, 0, "",
                  "internal error: the -O" + std::to_string(o.opt_level) +
                      " pipeline produced invalid IR: " + s.error().message};
  }
  return loop::print(lowered->module);
}

// The kernels' machine code as one assembler file. Built as an ahead-of-time module (the same code as the
// JIT's; docs/aot.md), so any --target can be listed on any host: nothing runs.
int emit_listing(const Graph& g, const Options& o) {
  runtime::AotOptions ao;
  ao.target = target_of(o);
  ao.opt_level = o.opt_level;
  ao.name = "njc";  // the listing names no entry point; any identifier serves
  ao.assembly = true;
  auto m = runtime::build_aot(g, ao);
  if (!m) {
    Diag d = m.error();
    if (d.file.empty()) d.file = o.model_path;
    return report(d);
  }
  return emit(runtime::kernel_listing(*m), o);
}

int run(const Options& o) {
  auto g = load_model_file(o.model_path, ReadOptions{o.weights_anywhere, o.max_memory_mib << 20});
  if (!g) return report(g.error());
  if (o.emit_ir == "graph") return emit(print_graph(*g), o);
  if (o.emit_ir == "loops") {
    auto text = loop_ir_text(*g, o);
    if (!text) return report(text.error());
    return emit(*text, o);
  }
  if (!o.interp_action.empty()) {
    GraphInterpreter interp(*g);
    auto out = run_calls(*g, o, [&](const CallInputs& in) { return interp.run(in); });
    if (!out) return report(out.error());
    return emit(*out, o);
  }
  if (o.tiers.any() && !o.emit_asm) {
    auto session = TieredSession::start(*g, o.tiers, target_of(o), !o.keep_denormals);
    if (!session) return report(session.error());
    auto out = run_calls(*g, o, [&](const CallInputs& in) { return (*session)->run(in); });
    if (!out) return report(out.error());
    if (Status s = (*session)->finish(); !s) return report(s.error());
    return emit(*out, o);
  }
  if (o.emit_asm) return emit_listing(*g, o);
  runtime::ModelOptions mo;
  mo.target = target_of(o);
  mo.opt_level = o.opt_level;
  mo.flush_denormals = !o.keep_denormals;
  if (!o.code_cache.empty()) {
    auto cache = runtime::CodeCache::open(o.code_cache);
    if (!cache) return report(cache.error());
    mo.code_cache = *cache;
  }
  auto model = runtime::CompiledModel::compile(*g, mo);
  if (!model) {
    Diag d = model.error();
    if (d.file.empty()) d.file = o.model_path;
    return report(d);
  }
  runtime::ModelInstance instance(*model);
  auto out = run_calls(*g, o, [&](const CallInputs& in) { return instance.run(in); });
  if (!out) return report(out.error());
  return emit(*out, o);
}

// Flags that only an ahead-of-time build reads (tools/emit_obj_command.cpp parses them when --emit-obj,
// or --emit-asm with -o, is given); listed here so that --help shows every flag and typos get suggestions.
struct AotFlags {
  bool emit_obj = false, tune = false;
  std::string output, header, name;
  bool any() const { return emit_obj || tune || !output.empty() || !header.empty() || !name.empty(); }
};

void add_aot_flags(CLI::App& app, AotFlags& f) {
  const char* group = "Ahead-of-time build (njc MODEL --emit-obj -o OUT.o [--header OUT.h]; docs/aot.md)";
  app.add_flag("--emit-obj", f.emit_obj,
               "Write an ELF64 relocatable object (-o) and, with --header, its C header")
      ->group(group);
  app.add_option(
         "-o", f.output,
         "The object (--emit-obj) or assembler file (--emit-asm -o FILE.s: the whole linkable module)")
      ->group(group);
  app.add_option("--header", f.header, "The C/C++ header to write beside the object")->group(group);
  app.add_option("--name", f.name,
                 "Symbol prefix: NAME_run, NAME_init_state, ... (default: the model's name)")
      ->group(group);
  app.add_flag("--tune", f.tune, "Autotune every kernel on this CPU and build the fastest schedules in")
      ->group(group);
}

std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

// Usage error for arguments CLI11 did not expect: a mistyped flag gets the nearest real one.
int unexpected_arguments(const CLI::App& app, const std::vector<std::string>& extras) {
  bool after_unknown_flag = false;  // "--jti run": 'run' is the unknown flag's value, not another error
  for (const std::string& arg : extras) {
    std::string flag = arg.substr(0, arg.find('='));
    if (!flag.starts_with("-")) {
      if (!after_unknown_flag)
        std::fprintf(stderr, "njc: unexpected argument '%s' (one model per run; njc --help)\n", arg.c_str());
      after_unknown_flag = false;
      continue;
    }
    after_unknown_flag = arg.find('=') == std::string::npos;
    auto near = closest_spelling(flag, flag_names(app));
    std::fprintf(stderr, "njc: unknown flag '%s'%s (njc --help lists them)\n", flag.c_str(),
                 near ? ("; did you mean '" + *near + "'?").c_str() : "");
  }
  return kUsageError;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// A first argument that is no file but almost a subcommand ("imprt") is a typo, not a model path.
std::optional<std::string> mistyped_subcommand(const std::string& arg) {
  if (arg.starts_with("-") || arg.find_first_of("./") != std::string::npos || file_exists(arg))
    return std::nullopt;
  return closest_spelling(arg, {"opt", "import"});
}

int main_impl(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "opt") return run_opt_command(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "import") return run_import_command(argc - 1, argv + 1);
  if (argc > 1)
    if (auto near = mistyped_subcommand(argv[1])) {
      std::fprintf(stderr, "njc: '%s' is neither a model file nor a subcommand; did you mean 'njc %s'?\n",
                   argv[1], near->c_str());
      return kUsageError;
    }
  if (wants_emit_obj(argc, argv)) return run_emit_obj_command(argc, argv);
  CLI::App app{"njc " NJC_VERSION_STRING
               ": a neural-network compiler for real-time programs\n"
               "  njc MODEL --jit run | --interp run | --emit-ir=graph|loops | --emit-asm [-o FILE.s]\n"
               "  njc MODEL --emit-obj -o OUT.o [--header OUT.h]\n"
               "  njc opt FILE | njc import FILE -o MODEL.json",
               "njc"};
  app.set_version_flag("--version", "njc " NJC_VERSION_STRING);
  Options o;
  AotFlags aot;
  app.add_option(
         "model", o.model_path,
         "Model: njc JSON (docs/model-format.md), an RTNeural model, or graph IR text (docs/graph-ir.md)")
      ->required();
  app.add_option("--jit", o.jit_action, "Compile the model to machine code and run it: 'run'")
      ->check(CLI::IsMember({"run"}));
  app.add_option("--interp", o.interp_action, "Run the model with the reference interpreter: 'run'")
      ->check(CLI::IsMember({"run"}));
  app.add_flag("--emit-asm", o.emit_asm,
               "Print the generated machine code (GNU as, Intel syntax) instead of running");
  app.add_flag_callback(
      "--perf-map", [] { runtime::enable_perf_map(); },
      "Write /tmp/perf-<pid>.map so that perf names the JIT-compiled kernels");
  app.add_option(
         "--emit-ir", o.emit_ir,
         "Print the model's IR instead of running it: 'graph', or 'loops' (kernels after lowering and the "
         "-O pipeline)")
      ->check(CLI::IsMember({"graph", "loops"}));
  app.add_option("-O", o.opt_level,
                 "Optimization level of --jit, --emit-asm and --emit-ir=loops: 0 to 3 (default 3)")
      ->check(CLI::Range(0, 3));
  app.add_option("--target", o.target,
                 "Instruction set: host (default: the best this CPU runs), avx512, avx2, sse4")
      ->check(CLI::IsMember({"host", "avx512", "avx2", "sse4"}));
  app.add_option("--input", o.input_path,
                 "Inputs: JSON {name: array}, .npy (single-input models) or .jsonl (one call per line, state "
                 "carried); default: a deterministic input");
  app.add_option("--output", o.output_path, "Write the result to this file (atomically) instead of stdout");
  app.add_option("--iterations", o.iterations, "Run N calls carrying state and print the last outputs")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_flag("--weights-anywhere", o.weights_anywhere,
               "Let the model's weight files lie outside its directory (by default a model may read only "
               "files beside or below it)");
  app.add_flag(
      "--keep-denormals", o.keep_denormals,
      "With --jit run: compute with IEEE subnormal numbers (by default a call runs with flush-to-zero "
      "and denormals-are-zero, so values below 1.2e-38 are 0 and never slow it down)");
  app.add_option("--max-memory", o.max_memory_mib,
                 "Refuse a model whose tensors (params once, the rest times batch) need more than this many "
                 "MiB (default 4096)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_option("--code-cache", o.code_cache,
                 "With --jit run: map compiled kernels from this directory and store new ones in it (made "
                 "mode 0700 if missing; it must be yours and writable by no one else), so that the next "
                 "start of the same model skips compiling (docs/runtime.md)");
  add_tier_flags(app, o.tiers);
  add_aot_flags(app, aot);
  app.footer(
      "Subcommands:\n"
      "  njc opt FILE [--passes=PIPELINE | -O0..3]  runs loop IR passes (njc opt --help)\n"
      "  njc import FILE -o MODEL.json              converts an ONNX model, an RTNeural model or a PyTorch\n"
      "                                             state_dict (njc import --help)\n"
      "Exit status: 0 success, 1 error in the input, 2 usage error. Documentation: docs/cli.md.\n");
  app.allow_extras();  // reported below, with suggestions
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (!app.remaining().empty()) return unexpected_arguments(app, app.remaining());
  if (aot.any()) {
    std::fprintf(stderr,
                 "njc: -o, --header, --name and --tune go with --emit-obj (or -o with --emit-asm); a run's "
                 "result goes to a file with --output\n");
    return kUsageError;
  }
  int actions = !o.interp_action.empty() + !o.jit_action.empty() + !o.emit_ir.empty() + o.emit_asm;
  if (actions == 0) {
    std::fprintf(stderr,
                 "njc: nothing to do: give --jit run, --interp run, --emit-ir=graph|loops or --emit-asm "
                 "(njc --help)\n");
    return kUsageError;
  }
  if (actions > 1) {
    std::fprintf(stderr, "njc: --jit, --interp, --emit-ir and --emit-asm exclude each other\n");
    return kUsageError;
  }
  if (!o.code_cache.empty() && (o.jit_action.empty() || o.tiers.any())) {
    std::fprintf(stderr,
                 "njc: --code-cache goes with --jit run (and not with the tiered JIT's --profile, --trace, "
                 "--tier, --jit-threshold or --tuning-cache)\n");
    return kUsageError;
  }
  // Only --jit runs code: the interpreter ignores the target, and emission works for any.
  if (o.target != "host" && !x86::target_supported(*x86::parse_target(o.target), x86::host_cpu()) &&
      !o.jit_action.empty()) {
    std::fprintf(stderr, "njc: this CPU cannot run --target %s\n", o.target.c_str());
    return kUsageError;
  }
  return run(o);
}

}  // namespace
}  // namespace njc::tools

int main(int argc, char** argv) {
  return njc::tools::main_impl(argc, argv);
}
