// runtime/aot_build: the object's code is the JIT's. For every bundled example, -O level and target this CPU
// runs, each kernel's bytes in .text equal the bytes runtime::compile maps for the same kernel and options,
// except the disp32 fields of RIP-relative pool references, which are 0 in the object (RELA: the value is
// in the relocation) and are checked separately: each has an R_X86_64_PC32 against .rodata whose target is
// the same pool byte the JIT's disp32 reaches, and the pool bytes in .rodata equal the JIT's pool.
#include "runtime/aot_build.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "frontend/model_reader.h"
#include "passes/lower_graph.h"
#include "runtime/aot_header.h"
#include "runtime/jit.h"
#include "test/support/chain_models.h"
#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

const char* const kExamples[] = {"mlp.json", "mlp_batch.json", "npc_brain.json", "gru_audio.json",
                                 "dnc_memory.json"};

Graph example(const std::string& name) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
  EXPECT_TRUE(g) << format_diag(g.error());
  return g ? *g : Graph{};
}

std::vector<x86::Target> runnable_targets() {
  std::vector<x86::Target> out;
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4})
    if (x86::target_supported(t, x86::host_cpu())) out.push_back(t);
  return out;
}

uint32_t le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

size_t kernels_compared = 0, references_compared = 0;

void expect_text_matches_jit(const Graph& g, const runtime::AotOptions& o, const std::string& what) {
  auto m = runtime::build_aot(g, o);
  ASSERT_TRUE(m) << what << ": " << m.error().message;
  ElfFile f(m->object);
  ASSERT_TRUE(f.ok());
  const std::vector<uint8_t> text = f.section(".text"), rodata = f.section(".rodata");
  const int rodata_index = f.index(".rodata");
  const auto syms = f.symbols();
  std::map<uint64_t, ElfRelaInfo> relocs;
  for (const ElfRelaInfo& r : f.relocations(".rela.text")) relocs[r.offset] = r;
  size_t checked_refs = 0;

  auto lowered = passes::lower_graph(g);
  ASSERT_TRUE(lowered);
  const size_t per_variant = lowered->module.kernels.size();
  ASSERT_EQ(per_variant * m->targets.size(), m->kernels.size());
  size_t slot_refs = 0;
  for (const auto& [offset, r] : relocs) slot_refs += syms[r.symbol].section == f.index(".data");
  for (size_t k = 0; k < m->kernels.size(); ++k) {
    const loop::Kernel& source = lowered->module.kernels[k % per_variant];
    const std::string at =
        what + " kernel " + source.name + " " + std::string(x86::target_name(m->kernels[k].target));
    EXPECT_EQ(m->kernels[k].target, m->targets[k / per_variant]) << at;
    if (!x86::target_supported(m->kernels[k].target, x86::host_cpu()))
      continue;              // the JIT must run to compare
    runtime::JitOptions jo;  // what the JIT compiles for the same kernel and options
    jo.target = m->kernels[k].target;
    jo.opt_level = o.tune ? 0 : o.opt_level;
    jo.passes = m->kernels[k].tuned;
    EXPECT_EQ(o.tune, !jo.passes.empty()) << at;
    auto jit = runtime::compile(source, jo);
    ASSERT_TRUE(jit) << at << ": " << jit.error().message;
    const runtime::AotKernel& ak = m->kernels[k];
    const runtime::AotFunction& fn = m->functions[k];
    ASSERT_EQ(jit->code_bytes(), ak.code.code.size()) << at;
    ASSERT_EQ(fn.size, ak.code.code_end) << at;
    ASSERT_LE(fn.text_offset + fn.size, text.size()) << at;
    std::vector<uint8_t> want(jit->code(), jit->code() + fn.size);
    for (const x86::Assembler::PoolRef& r : ak.code.pool_refs) {
      // The JIT's disp32 reaches the referenced pool byte from the end of the instruction.
      const auto disp = static_cast<int32_t>(le32(jit->code() + r.at));
      EXPECT_EQ(static_cast<int64_t>(r.end) + disp, static_cast<int64_t>(r.target)) << at;
      std::memset(want.data() + r.at, 0, 4);
      auto rel = relocs.find(fn.text_offset + r.at);
      ASSERT_NE(rel, relocs.end()) << at << ": no relocation at " << r.at;
      EXPECT_EQ(rel->second.type, static_cast<uint32_t>(R_X86_64_PC32));
      EXPECT_EQ(syms[rel->second.symbol].type, STT_SECTION);
      EXPECT_EQ(syms[rel->second.symbol].section, rodata_index);
      // S + A - P + (P + 4 + tail) = .rodata + the pool byte's offset in .rodata.
      const int64_t rodata_target = rel->second.addend + static_cast<int64_t>(r.end - r.at);
      EXPECT_EQ(rodata_target, static_cast<int64_t>(ak.rodata_offset + r.target - ak.code.pool_start)) << at;
      ++checked_refs;
    }
    std::vector<uint8_t> got(text.begin() + static_cast<long>(fn.text_offset),
                             text.begin() + static_cast<long>(fn.text_offset + fn.size));
    EXPECT_EQ(got, want) << at;
    ++kernels_compared;
    const size_t pool = ak.code.code.size() - ak.code.pool_start;
    ASSERT_LE(ak.rodata_offset + pool, rodata.size()) << at;
    EXPECT_EQ(ak.rodata_offset % 64, 0u) << at;
    EXPECT_EQ(0, std::memcmp(rodata.data() + ak.rodata_offset, jit->code() + ak.code.pool_start, pool)) << at;
  }
  // Every .rela.text entry is a pool reference or one of the dispatcher's references to its slot in .data.
  if (m->targets.size() == 1 || runnable_targets().size() == 3) {
    EXPECT_EQ(checked_refs + slot_refs, relocs.size()) << what;
  }
  EXPECT_GE(slot_refs, 4u) << what << ": select stores, target and run read the selection slot";
  references_compared += checked_refs;
}

TEST(AotBuild, KernelTextEqualsTheJitsAtEveryLevelAndTarget) {
  auto targets = runnable_targets();
  ASSERT_FALSE(targets.empty());
  for (const char* name : kExamples) {
    Graph g = example(name);
    for (int level = 0; level <= 3; ++level)
      for (x86::Target t : targets) {
        runtime::AotOptions o;
        o.target = t;
        o.opt_level = level;
        expect_text_matches_jit(
            g, o, std::string(name) + " O" + std::to_string(level) + " " + std::string(x86::target_name(t)));
      }
  }
  // One object with every target: each variant's kernels are the JIT's for that target.
  runtime::AotOptions all;
  all.targets = {x86::Target::kSse4, x86::Target::kAvx512, x86::Target::kAvx2};
  expect_text_matches_jit(example("npc_brain.json"), all, "npc_brain.json avx512,avx2,sse4");
  EXPECT_GT(references_compared, 0u);
  std::printf("aot: %zu kernels equal the JIT's (%zu pool references relocated)\n", kernels_compared,
              references_compared);
}

// --tune: each kernel is the JIT's compilation of the schedule the autotuner picked for it.
TEST(AotBuild, TunedKernelsAreTheJitsForTheirSchedules) {
  for (const char* name : {"mlp.json", "gru_audio.json"}) {
    runtime::AotOptions o;
    o.tune = true;
    expect_text_matches_jit(example(name), o, std::string(name) + " tuned");
  }
}

TEST(AotBuild, SymbolsCfiAndLayout) {
  Graph g = example("gru_audio.json");
  runtime::AotOptions o;
  o.name = "voice";
  auto m = runtime::build_aot(g, o);
  ASSERT_TRUE(m) << m.error().message;
  ElfFile f(m->object);
  std::vector<std::string> globals;
  for (const ElfSymbolInfo& s : f.symbols())
    if (s.bind == STB_GLOBAL) globals.push_back(s.name);
  EXPECT_EQ(globals, (std::vector<std::string>{"voice_select_target", "voice_target", "voice_run",
                                               "voice_init_state"}));
  ASSERT_EQ(m->functions.size(), m->kernels.size() + 1 + 4);  // + the variant's run, + the globals
  for (size_t i = 0; i < m->functions.size(); ++i) {
    const runtime::AotFunction& fn = m->functions[i];
    std::optional<ElfSymbolInfo> s = f.symbol(fn.symbol);
    ASSERT_TRUE(s) << fn.symbol;
    EXPECT_EQ(s->type, STT_FUNC);
    EXPECT_EQ(s->value, fn.text_offset);
    EXPECT_EQ(s->size, fn.size);
    EXPECT_EQ(fn.text_offset % 16, 0u);
    EXPECT_EQ(s->bind, i <= m->kernels.size() ? STB_LOCAL : STB_GLOBAL) << fn.symbol;
    EXPECT_EQ(fn.global, s->bind == STB_GLOBAL) << fn.symbol;
    if (i <= m->kernels.size() || fn.symbol == "voice_init_state") {
      EXPECT_TRUE(fn.has_cfi) << fn.symbol << ": the frame shape was not recognised";
    }
  }
  // One FDE per function whose frame was recognised, each pc_begin relocated against .text at the
  // function's offset.
  auto eh = f.relocations(".rela.eh_frame");
  std::vector<int64_t> want_begins, begins;
  for (const runtime::AotFunction& fn : m->functions)
    if (fn.has_cfi) want_begins.push_back(static_cast<int64_t>(fn.text_offset));
  for (const ElfRelaInfo& r : eh) {
    EXPECT_EQ(r.type, static_cast<uint32_t>(R_X86_64_PC32));
    begins.push_back(r.addend);
  }
  EXPECT_EQ(begins, want_begins);
  EXPECT_GE(f.index(".note.GNU-stack"), 1);
  EXPECT_EQ(f.section(".note.GNU-stack").size(), 0u);
  EXPECT_EQ(f.shdr(f.index(".rodata")).sh_addralign, 64u);
  EXPECT_EQ(m->state_bytes % 64, 0u);
}

TEST(AotBuild, ReadelfDecodesOneFdePerFunction) {
  ScratchDir dir;
  auto m = runtime::build_aot(example("npc_brain.json"), {});
  ASSERT_TRUE(m);
  write_bytes(dir / "m.o", m->object.data(), m->object.size());
  expect_tools_accept(dir / "m.o");
  ToolResult r = sh("readelf --debug-dump=frames m.o", dir.path());
  size_t fdes = 0;
  for (size_t at = r.out.find(" FDE "); at != std::string::npos; at = r.out.find(" FDE ", at + 1)) ++fdes;
  const auto with_cfi = std::count_if(m->functions.begin(), m->functions.end(),
                                      [](const runtime::AotFunction& fn) { return fn.has_cfi; });
  EXPECT_EQ(fdes, static_cast<size_t>(with_cfi)) << r.out;
  EXPECT_GE(with_cfi, static_cast<long>(m->kernels.size() + 1));
  EXPECT_NE(r.out.find("DW_CFA_def_cfa_offset"), std::string::npos);
}

// An object of thousands of kernels, and a state update of thousands of loops, builds (issue 15: the
// pipeline was replayed with a verification after each pass, and the entry's listing searched every call
// for every line: minutes for 16,000 states).
TEST(AotBuild, ModelOfThousandsOfStates) {
  auto g = read_model_text(test::chain_model(test::Chain::kStates, 4000), "chain", ".");
  ASSERT_TRUE(g) << format_diag(g.error());
  runtime::AotOptions o;
  o.assembly = true;
  auto m = runtime::build_aot(*g, o);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->kernels.size(), 4001u);  // an Add per state, then the state update
  EXPECT_NE(m->assembly.find("chain_run:"), std::string::npos);
}

TEST(AotBuild, NameMustBeACIdentifier) {
  runtime::AotOptions o;
  o.name = "3d-model";
  auto m = runtime::build_aot(example("mlp.json"), o);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "--name '3d-model' is not a C identifier");
  EXPECT_TRUE(runtime::is_c_identifier("_x9"));
  EXPECT_FALSE(runtime::is_c_identifier(""));
  EXPECT_FALSE(runtime::is_c_identifier("a.b"));
}

// The model's name becomes the prefix; a name that is not a C identifier is refused as --name is.
TEST(AotBuild, DefaultNameComesFromTheModel) {
  Graph g = example("mlp.json");
  g.name = "lives_9";
  auto m = runtime::build_aot(g, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "lives_9");
  EXPECT_TRUE(ElfFile(m->object).symbol("lives_9_run"));
  g.name = "9-lives";
  auto bad = runtime::build_aot(g, {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "--name '9-lives' is not a C identifier");
}

// The header compiles as C11 and C++17 with every warning an error, and its constants are those of the
// module.
TEST(AotBuild, HeaderIsCAndCxx) {
  ScratchDir dir;
  auto m = runtime::build_aot(example("dnc_memory.json"), {});
  ASSERT_TRUE(m);
  std::ofstream(dir / "m.h") << runtime::aot_header(*m, "dnc_memory.json");
  const std::string p = "DNC_MEMORY";
  std::ofstream(dir / "use.c")
      << "#include \"m.h\"\n"
      << "#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif\n"
      << "static const int shape[] = " << p << "_INPUT_0_SHAPE;\n"
      << "static const long sizes[] = " << p << "_INPUT_SIZES;\n"
      << "_Static_assert(" << p << "_STATE_BYTES == " << m->state_bytes << ", \"state\");\n"
      << "_Static_assert(" << p << "_NUM_INPUTS == " << m->inputs.size() << ", \"inputs\");\n"
      << "_Static_assert(" << p << "_NUM_OUTPUTS == " << m->outputs.size() << ", \"outputs\");\n"
      << "_Static_assert(" << p << "_INPUT_0_SIZE == " << m->inputs[0].floats << ", \"size\");\n"
      << "_Static_assert(" << p << "_INPUT_0_RANK == " << m->inputs[0].shape.size() << ", \"rank\");\n"
      << "int use(void* s, const float* const* in, float* const* out) {\n"
      << "  dnc_memory_init_state(s); dnc_memory_run(in, out, s); return shape[0] + (int)sizes[0]; }\n";
  ToolResult c = sh("gcc -std=c11 -Wall -Wextra -pedantic -Werror -c use.c -o c.o", dir.path());
  EXPECT_EQ(c.exit_code, 0) << c.err;
  ToolResult cxx =
      sh("g++ -std=c++17 -Wall -Wextra -pedantic -Werror -x c++ -c use.c -o cxx.o && nm cxx.o", dir.path());
  EXPECT_EQ(cxx.exit_code, 0) << cxx.err;
  EXPECT_NE(cxx.out.find(" U dnc_memory_run"), std::string::npos) << "C linkage: " << cxx.out;
}

// Any model path and any tensor names give a header that compiles (with trigraphs on, as C89 compilers read
// them) and spells the names exactly: "*/" cannot end the opening comment, "??/" cannot become a backslash.
// Two headers of different prefixes can be included together.
TEST(AotBuild, HeaderIsSafeForAnyPathAndNames) {
  ScratchDir dir;
  Graph g = example("mlp.json");
  g.value(g.inputs[0]).name = "obs?\?/\"*/ \\n";
  auto m = runtime::build_aot(g, {});
  ASSERT_TRUE(m);
  std::ofstream(dir / "m.h") << runtime::aot_header(*m, "/models/*/evil?\?/mlp*.json");
  runtime::AotOptions other;
  other.name = "second";
  auto m2 = runtime::build_aot(example("mlp.json"), other);
  ASSERT_TRUE(m2);
  std::ofstream(dir / "m2.h") << runtime::aot_header(*m2, "mlp.json");
  // The expected name, spelled in C without a trigraph: obs??/"*/ \n (a backslash and an n).
  std::ofstream(dir / "use.c") << R"(#include <string.h>
#include "m.h"
#include "m2.h"
int main(void) {
  return strcmp(MLP_INPUT_0_NAME, "obs?\?/\"*/ \\n") != 0 || MLP_STATE_BYTES != SECOND_STATE_BYTES;
}
)";
  ToolResult c = sh("gcc -std=c99 -trigraphs -Wall -Werror -Wno-trigraphs -o use use.c && ./use", dir.path());
  const std::string header = test::slurp(dir / "m.h");
  EXPECT_EQ(c.exit_code, 0) << c.err << header;
  EXPECT_EQ(header.find("/models"), std::string::npos)
      << "the header must not depend on the model's directory";
}

}  // namespace
}  // namespace njc::aot_test
