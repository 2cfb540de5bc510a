// W^X code memory (runtime/code_arena.cpp): no mapping of the process is ever writable and executable, during
// or after compilation, checked by reading /proc/self/maps from inside the write window.
#include "runtime/code_arena.h"
#include "test/support/proc_maps.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "ir/loop_builder.h"
#include "runtime/jit.h"

namespace njc::runtime {
namespace {

using Mapping = test::Mapping;

std::vector<Mapping> maps() {
  return test::proc_maps();
}

std::string perms_of(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  for (const Mapping& m : maps())
    if (a >= m.lo && a < m.hi) return m.perms;
  return "";
}

bool any_wx() {
  for (const Mapping& m : maps())
    if (m.perms.size() >= 3 && m.perms[1] == 'w' && m.perms[2] == 'x') return true;
  return false;
}

TEST(CodeArena, BlocksAreExecutableNotWritable) {
  CodeArena arena(1 << 16);
  CodeBlock b = arena.allocate(100);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.size, CodeArena::page_size());
  EXPECT_EQ(perms_of(b.ptr).substr(0, 3), "r-x");
  {
    WriteWindow w(b);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(perms_of(b.ptr).substr(0, 3), "rw-");
    EXPECT_FALSE(any_wx());
    const uint8_t ret[] = {0xb8, 42, 0, 0, 0, 0xc3};  // mov eax, 42; ret
    std::memcpy(w.data(), ret, sizeof ret);
  }
  EXPECT_EQ(perms_of(b.ptr).substr(0, 3), "r-x");
  EXPECT_EQ(reinterpret_cast<int (*)()>(b.ptr)(), 42);
  EXPECT_FALSE(any_wx());
}

TEST(CodeArena, PoolsChunksAndReusesReleasedBlocks) {
  CodeArena arena(1 << 16);
  CodeBlock a = arena.allocate(10), b = arena.allocate(5000);
  EXPECT_EQ(arena.mapped_bytes(), size_t{1} << 16);  // one mmap for both
  EXPECT_EQ(b.ptr, a.ptr + a.size);
  arena.release(a);
  CodeBlock c = arena.allocate(1);
  EXPECT_EQ(c.ptr, a.ptr);
  CodeBlock big = arena.allocate(1 << 20);  // larger than a chunk: its own mapping
  ASSERT_TRUE(big);
  EXPECT_GE(arena.mapped_bytes(), (size_t{1} << 16) + (size_t{1} << 20));
}

// Inside a write window the block is rw- (checked above); after each whole compilation every mapping of the
// process is still W^X and the kernel's own pages are r-x.
TEST(CodeArena, JitCompilationNeverMapsWriteExecute) {
  EXPECT_FALSE(any_wx());
  for (int n : {16, 64, 256}) {
    loop::Kernel k;
    k.name = "scale";
    loop::Builder b(k);
    loop::BufferId x = b.input("x", {n}), y = b.output("y", {n});
    b.loop("i", 0, n, 1, [&](loop::ValueId i) {
      b.store(b.mul(b.load(x, {loop::Affine::var(i)}), b.constant(2.0f)), y, {loop::Affine::var(i)});
    });
    Expected<JitKernel> j = compile(k, {});
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ(perms_of(reinterpret_cast<const void*>(j->fn())).substr(0, 3), "r-x");
    EXPECT_FALSE(any_wx());
    loop::BufferData d = loop::make_buffers(j->kernel());
    d[0].assign(static_cast<size_t>(n), 1.5f);
    j->run(d);
    EXPECT_EQ(d[1][static_cast<size_t>(n - 1)], 3.0f);
  }
}

}  // namespace
}  // namespace njc::runtime
