// The njc command line: `njc MODEL --jit run` (the main job), `--interp run` (the reference), `--emit-ir`,
// `--emit-asm`, and the subcommands `njc opt FILE` and `njc import FILE`.
// User errors print `file:line:col: error: ...` and exit 1; usage errors exit 2; nothing is written to
// stdout or to an output file unless the whole run succeeds.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>

#include "frontend/model_loader.h"
#include "ir/graph_interpreter.h"
#include "ir/graph_printer.h"
#include "ir/loop_printer.h"
#include "passes/lower_graph.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "runtime/aot_assembly.h"
#include "runtime/aot_build.h"
#include "runtime/compiled_model.h"
#include "tools/atomic_file.h"
#include "tools/call_inputs.h"
#include "tools/emit_obj_command.h"
#include "tools/import_command.h"
#include "tools/opt_command.h"
#include "tools/output_json.h"
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
  passes::RunConfig config;
  config.target = schedule_target(o);
  passes::PassManager pm(config);
  for (loop::Kernel& k : lowered->module.kernels) {
    std::string dump;
    if (Status s = pm.run(passes::default_pipeline(o.opt_level, k, config.target), k, dump); !s)
      return s.error();
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

int main_impl(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "opt") return run_opt_command(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "import") return run_import_command(argc - 1, argv + 1);
  if (wants_emit_obj(argc, argv)) return run_emit_obj_command(argc, argv);
  CLI::App app{"njc: a neural-network compiler for real-time programs", "njc"};
  Options o;
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
  app.add_flag("--keep-denormals", o.keep_denormals,
               "With --jit run: compute with IEEE subnormal numbers (by default a call runs with flush-to-zero "
               "and denormals-are-zero, so values below 1.2e-38 are 0 and never slow it down)");
  app.add_option("--max-memory", o.max_memory_mib,
                 "Refuse a model whose tensors (params once, the rest times batch) need more than this many "
                 "MiB (default 4096)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  add_tier_flags(app, o.tiers);
  app.footer(
      "Subcommands: njc opt FILE [--passes=PIPELINE] runs loop IR passes (njc opt --help);\n"
      "njc import FILE -o MODEL.json converts an RTNeural model (njc import --help).\n"
      "Exit status: 0 success, 1 error in the input, 2 usage error.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
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
