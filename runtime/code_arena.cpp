// Pooled W^X code memory (see code_arena.h).
#include "runtime/code_arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace njc::runtime {

namespace {
size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}
}  // namespace

size_t CodeArena::page_size() {
  static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

CodeArena::CodeArena(size_t chunk_bytes)
    : chunk_bytes_(round_up(std::max<size_t>(chunk_bytes, 1), page_size())) {}

CodeArena::~CodeArena() {
  for (const Chunk& c : chunks_) munmap(c.base, c.size);
}

CodeBlock CodeArena::allocate(size_t bytes) {
  size_t need = round_up(std::max<size_t>(bytes, 1), page_size());
  std::lock_guard<std::mutex> lock(mu_);
  // Best fit: the smallest free block that is large enough.
  size_t best = free_.size();
  for (size_t i = 0; i < free_.size(); ++i)
    if (free_[i].size >= need && (best == free_.size() || free_[i].size < free_[best].size)) best = i;
  if (best < free_.size()) {
    size_t i = best;
    CodeBlock b{free_[i].ptr, need};
    if (free_[i].size == need) {
      free_.erase(free_.begin() + static_cast<long>(i));
    } else {
      free_[i].ptr += need;
      free_[i].size -= need;
    }
    return b;
  }
  // New chunk: mapped read+execute from the start; writes go through WriteWindow.
  size_t size = std::max(need, chunk_bytes_);
  void* p = mmap(nullptr, size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return {};
  auto* base = static_cast<uint8_t*>(p);
  chunks_.push_back({base, size});
  if (size > need) free_.push_back({base + need, size - need});
  return {base, need};
}

void CodeArena::release(CodeBlock b) {
  if (!b) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(b);
}

size_t CodeArena::mapped_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Chunk& c : chunks_) n += c.size;
  return n;
}

CodeArena& CodeArena::global() {
  static CodeArena arena;
  return arena;
}

WriteWindow::WriteWindow(CodeBlock b) : b_(b) {
  ok_ = b_ && mprotect(b_.ptr, b_.size, PROT_READ | PROT_WRITE) == 0;
}

WriteWindow::~WriteWindow() {
  if (ok_) mprotect(b_.ptr, b_.size, PROT_READ | PROT_EXEC);
}

}  // namespace njc::runtime
