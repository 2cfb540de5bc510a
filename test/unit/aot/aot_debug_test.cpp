// Debuggers walk through ahead-of-time code: gdb stops in a kernel of a program linked with the object,
// steps past the kernel's prologue (pushes, sub rsp) and backtraces kernel -> <name>_run -> main, which
// needs the object's .eh_frame once the frame has moved (with .eh_frame stripped by objcopy, frame #1 is no
// longer npc_run and the rest is ?? frames). Skipped when gdb is not installed.
#include <gtest/gtest.h>

#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

TEST(AotDebug, GdbBacktracesFromInsideAKernel) {
  if (sh("command -v gdb").exit_code != 0) GTEST_SKIP() << "gdb is not installed";
  ScratchDir dir;
  ToolResult r = sh(njc() + " " + NJC_SOURCE_DIR +
                        "/examples/npc_brain.json --emit-obj -o npc.o --header npc.h " + "--name npc",
                    dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sh(std::string("gcc -g -O0 -std=c11 -include npc.h -DNJC_PREFIX=npc -DNJC_UPPER=NPC ") +
             NJC_SOURCE_DIR + "/test/aot/driver.c npc.o -o driver",
         dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<float> in(24, 0.25f);
  write_bytes(dir / "in.bin", in.data(), in.size() * sizeof(float));
  r =
      sh("timeout 120 gdb -nx -batch -ex 'break npc__8_LSTM_h_next_cell' -ex 'run 1 in.bin out.bin' "
         "-ex 'stepi 12' -ex 'bt' ./driver",
         dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const size_t kernel = r.out.find("#0  0x"), run = r.out.find("#1  0x"), main = r.out.find("#2  0x");
  ASSERT_NE(kernel, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in npc__8_LSTM_h_next_cell", kernel), std::string::npos) << r.out;
  ASSERT_NE(run, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in npc_run", run), std::string::npos) << r.out;
  ASSERT_NE(main, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in main", main), std::string::npos) << r.out;
}

}  // namespace
}  // namespace njc::aot_test
