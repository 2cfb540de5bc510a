// Assembler: instruction emission into a growable buffer, labels, branch relaxation and the constant pool.
// Emission is one pass; label uses are recorded (Fixup for rel32 data/call references, Branch for jumps)
// and resolved in finalize().
#include "backend-x86/assembler.h"

#include <algorithm>
#include <cstring>

#include "backend-x86/encoder.h"
#include "backend-x86/modrm.h"
#include "backend-x86/operand_check.h"
#include "backend-x86/printer.h"

namespace njc::x86 {
namespace {

constexpr bool fits_rel8(int64_t v) {
  return v >= -128 && v <= 127;
}
constexpr uint8_t kPadByte = 0xCC;  // int3: padding that traps if ever executed

int log2_of(size_t v) {
  int k = 0;
  while ((size_t{1} << k) < v) ++k;
  return k;
}

}  // namespace

Assembler::Assembler() {
  buf_.resize(4096);
}

Error Assembler::fail(Error e) {
  if (!first_error_) first_error_ = e;
  return e;
}

void Assembler::grow(size_t need) {
  buf_.resize(std::max({buf_.size() * 2, need, size_t{4096}}));
}

Label Assembler::new_label() {
  labels_.push_back(LabelInfo{});
  return Label{static_cast<uint32_t>(labels_.size() - 1)};
}

Error Assembler::bind(Label l) {
  if (l.id >= labels_.size() || labels_[l.id].pos >= 0) return fail(Error{ErrorCode::kBadLabel});
  labels_[l.id].pos = static_cast<int64_t>(size_);
  if (listing_ != nullptr) *listing_ += label_name(l.id) + ":\n";
  return {};
}

Label Assembler::data(const void* bytes, size_t n, size_t align) {
  align = std::clamp<size_t>(align, 1, 64);
  while (pool_.size() % align != 0) pool_.push_back(kPadByte);
  LabelInfo info;
  info.pos = static_cast<int64_t>(pool_.size());
  info.data = true;
  labels_.push_back(info);
  const auto* p = static_cast<const uint8_t*>(bytes);
  pool_.insert(pool_.end(), p, p + n);
  pool_align_ = std::max(pool_align_, align);
  const auto id = static_cast<uint32_t>(labels_.size() - 1);
  pool_entries_.push_back(PoolEntry{id, static_cast<uint32_t>(align), static_cast<uint32_t>(n)});
  return Label{id};
}

Error Assembler::emit(Mnemonic m, const Operand& a, const Operand& b, const Operand& c, const Operand& d) {
  const Operand ops[4] = {a, b, c, d};
  Error err;
  const int form = match_form(m, ops, isa_, &err);
  if (form < 0) return fail(err);
  last_form_ = form;
  const Form& f = kForms[form];
  if (f.enc == Enc::kD) return emit_branch(form, ops[0]);
  if (size_ + kMaxInstrBytes > buf_.size()) grow(size_ + kMaxInstrBytes);
  uint8_t* start = buf_.data() + size_;
  uint8_t* disp32_at = nullptr;
  uint8_t* end = encode(f, ops, start, &disp32_at);
  if (disp32_at != nullptr) {
    for (const Operand& o : ops) {
      if (!o.is_mem() || o.mem.label == kNoLabel) continue;
      if (o.mem.label >= labels_.size())
        return fail(Error(ErrorCode::kBadLabel, m, static_cast<int>(&o - ops)));
      fixups_.push_back(Fixup{static_cast<uint32_t>(disp32_at - buf_.data()),
                              static_cast<uint32_t>(end - buf_.data()), o.mem.label, o.mem.disp});
    }
  }
  size_ = static_cast<size_t>(end - buf_.data());
  if (listing_ != nullptr) {
    print_instruction(*listing_, form, ops);
    *listing_ += '\n';
  }
  return {};
}

Error Assembler::emit_branch(int form, const Operand& target) {
  const Form& f = kForms[form];
  if (target.label >= labels_.size() || labels_[target.label].data) {
    return fail(Error{ErrorCode::kBadLabel, f.mnemonic, 0});
  }
  if (size_ + kMaxInstrBytes > buf_.size()) grow(size_ + kMaxInstrBytes);
  const auto at = static_cast<uint32_t>(size_);
  uint8_t* start = buf_.data() + size_;
  if (f.flags & kFlagNoShort) {  // call: always rel32, patched like a data reference
    const int len = branch_size(f, false);
    encode_branch(f, false, 0, start);
    fixups_.push_back(
        Fixup{at + static_cast<uint32_t>(len - 4), at + static_cast<uint32_t>(len), target.label, 0});
    size_ += static_cast<size_t>(len);
  } else {
    // Start short unless a bound (backward) target is already out of rel8 reach; finalize() grows the rest.
    const int64_t pos = labels_[target.label].pos;
    const bool is_short = pos < 0 || fits_rel8(pos - static_cast<int64_t>(at + 2));
    const int len = branch_size(f, is_short);
    encode_branch(f, is_short, 0, start);
    branches_.push_back(Branch{at, target.label, static_cast<uint16_t>(form), static_cast<uint8_t>(len),
                               static_cast<uint8_t>(len)});
    size_ += static_cast<size_t>(len);
  }
  if (listing_ != nullptr) {
    print_instruction(*listing_, form, &target);
    *listing_ += '\n';
  }
  return {};
}

// pos after relaxation: every branch before pos moves it by its growth. branch_shift_[i] is the growth of
// branches_[0..i).
uint32_t Assembler::relaxed_pos(uint32_t pos) const {
  const auto it = std::lower_bound(branches_.begin(), branches_.end(), pos,
                                   [](const Branch& b, uint32_t p) { return b.at < p; });
  return static_cast<uint32_t>(pos + branch_shift_[static_cast<size_t>(it - branches_.begin())]);
}

// Grows short branches that cannot reach until none changes. Sizes only grow, so this terminates, and it
// reaches the same fixed point as llvm-mc's relaxation (which also starts from rel8).
void Assembler::relax_branches() {
  branch_shift_.assign(branches_.size() + 1, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < branches_.size(); ++i) {
      branch_shift_[i + 1] = branch_shift_[i] + (branches_[i].size - branches_[i].emitted);
    }
    for (Branch& b : branches_) {
      if (b.size != 2) continue;
      const int64_t target = relaxed_pos(static_cast<uint32_t>(labels_[b.label].pos));
      const int64_t end = relaxed_pos(b.at) + 2;
      if (!fits_rel8(target - end)) {
        b.size = static_cast<uint8_t>(branch_size(kForms[b.form], false));
        changed = true;
      }
    }
  }
  for (size_t i = 0; i < branches_.size(); ++i) {
    branch_shift_[i + 1] = branch_shift_[i] + (branches_[i].size - branches_[i].emitted);
  }
}

// Moves code to the relaxed layout, writes every branch displacement, and shifts labels and fixups.
void Assembler::rewrite_with_branches() {
  const auto new_size = static_cast<size_t>(relaxed_pos(static_cast<uint32_t>(size_)));
  if (new_size != size_) {
    std::vector<uint8_t> out(new_size + kMaxInstrBytes);
    size_t src = 0, dst = 0;
    for (const Branch& b : branches_) {
      std::memcpy(out.data() + dst, buf_.data() + src, b.at - src);
      dst += b.at - src + b.size;
      src = b.at + b.emitted;
    }
    std::memcpy(out.data() + dst, buf_.data() + src, size_ - src);
    buf_.swap(out);
  }
  for (Fixup& x : fixups_) {
    x.at = relaxed_pos(x.at);
    x.end = relaxed_pos(x.end);
  }
  for (Branch& b : branches_) {
    const uint32_t at = relaxed_pos(b.at);
    const int64_t target = relaxed_pos(static_cast<uint32_t>(labels_[b.label].pos));
    encode_branch(kForms[b.form], b.size == 2, static_cast<int32_t>(target - (at + b.size)),
                  buf_.data() + at);
  }
  for (LabelInfo& l : labels_) {
    if (!l.data && l.pos >= 0) l.pos = relaxed_pos(static_cast<uint32_t>(l.pos));
  }
  size_ = new_size;
}

// Pads the code with int3 to the pool's alignment and appends the pool; data labels become code offsets.
void Assembler::append_pool() {
  code_end_ = pool_start_ = size_;
  if (pool_.empty()) return;
  if (listing_ != nullptr) {
    *listing_ += ".p2align " + std::to_string(log2_of(pool_align_)) + ", 0xcc\n";
  }
  size_t start = size_;
  while (start % pool_align_ != 0) ++start;
  if (buf_.size() < start + pool_.size()) buf_.resize(start + pool_.size());
  std::memset(buf_.data() + size_, kPadByte, start - size_);
  std::memcpy(buf_.data() + start, pool_.data(), pool_.size());
  size_ = start + pool_.size();
  pool_start_ = start;
  for (LabelInfo& l : labels_) {
    if (l.data) l.pos += static_cast<int64_t>(start);
  }
  if (listing_ == nullptr) return;
  for (const PoolEntry& e : pool_entries_) {
    *listing_ += ".p2align " + std::to_string(log2_of(e.align)) + ", 0xcc\n" + label_name(e.label) + ":\n";
    const auto begin = static_cast<size_t>(labels_[e.label].pos);
    for (size_t i = begin; i < begin + e.size; ++i) *listing_ += ".byte " + std::to_string(buf_[i]) + "\n";
  }
}

Error Assembler::finalize() {
  if (finalized_) return first_error_;
  finalized_ = true;
  if (first_error_) return first_error_;
  for (const Branch& b : branches_) {
    if (labels_[b.label].pos < 0) return fail(Error{ErrorCode::kUnboundLabel, kForms[b.form].mnemonic, 0});
  }
  for (const Fixup& x : fixups_) {
    if (labels_[x.label].pos < 0) return fail(Error{ErrorCode::kUnboundLabel});
  }
  relax_branches();
  rewrite_with_branches();
  append_pool();
  for (const Fixup& x : fixups_) {
    const int64_t value = labels_[x.label].pos + x.addend - static_cast<int64_t>(x.end);
    put_le32(buf_.data() + x.at, static_cast<uint32_t>(static_cast<int32_t>(value)));
    if (labels_[x.label].data) {
      const auto target = static_cast<uint32_t>(labels_[x.label].pos + x.addend);
      pool_refs_.push_back(PoolRef{x.at, x.end, target});
    }
  }
  buf_.resize(size_);
  return {};
}

int64_t Assembler::label_offset(Label l) const {
  if (l.id >= labels_.size()) return -1;
  return labels_[l.id].pos;
}

}  // namespace njc::x86
