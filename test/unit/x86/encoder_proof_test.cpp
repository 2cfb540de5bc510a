// The external proof of the encoder: every table row × operand classes is encoded and printed; the printed
// text is assembled by llvm-mc, which must produce our bytes, and our bytes are decoded by objdump, which
// must produce our text. Skips (with a message) when the tools are not installed.
#include <gtest/gtest.h>

#include <set>

#include "backend-x86/assembler.h"
#include "backend-x86/printer.h"
#include "proof_cases.h"
#include "proof_support.h"

namespace njc::x86::test {
namespace {

struct Encoded {
  std::vector<std::string> text;
  std::vector<size_t> begin, end;  // byte range of each case in bytes
  std::vector<int> form;
  std::vector<uint8_t> bytes;
  std::vector<std::string> emit_errors;
};

Encoded encode_all(const std::vector<ProofCase>& cases) {
  Encoded e;
  Assembler a;
  for (const ProofCase& c : cases) {
    const size_t before = a.size();
    const Error err = a.emit(kForms[c.row].mnemonic, c.ops[0], c.ops[1], c.ops[2], c.ops[3]);
    if (err) {
      e.emit_errors.push_back(err.message() + " (row " + std::to_string(c.row) + ")");
      continue;
    }
    e.text.push_back(print_instruction(a.last_form(), c.ops));
    e.begin.push_back(before);
    e.end.push_back(a.size());
    e.form.push_back(a.last_form());
  }
  EXPECT_FALSE(a.finalize());
  e.bytes = a.code();
  return e;
}

class EncoderProof : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { encoded_ = new Encoded(encode_all(all_proof_cases())); }
  static void TearDownTestSuite() {
    delete encoded_;
    encoded_ = nullptr;
  }
  static Encoded* encoded_;
};
Encoded* EncoderProof::encoded_ = nullptr;

TEST_F(EncoderProof, EveryGeneratedCaseEncodes) {
  for (size_t i = 0; i < encoded_->emit_errors.size() && i < 20; ++i)
    ADD_FAILURE() << encoded_->emit_errors[i];
  EXPECT_TRUE(encoded_->emit_errors.empty()) << encoded_->emit_errors.size() << " cases failed to encode";
  EXPECT_GT(encoded_->text.size(), 5000u);
}

TEST_F(EncoderProof, EveryNonBranchRowIsExercised) {
  std::set<int> used(encoded_->form.begin(), encoded_->form.end());
  for (int row = 0; row < kFormCount; ++row) {
    if (kForms[row].enc == Enc::kD) continue;
    EXPECT_TRUE(used.count(row)) << "row " << row << " (" << mnemonic_name(kForms[row].mnemonic)
                                 << ") is never chosen: an earlier row shadows it";
  }
}

TEST_F(EncoderProof, LlvmMcAssemblesOurTextToOurBytes) {
  if (!tool_exists(kLlvmMc)) GTEST_SKIP() << kLlvmMc << " not found: install the Debian package llvm";
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const Encoded& e = *encoded_;
  const McResult mc = llvm_mc_encode(dir, e.text);
  ASSERT_TRUE(mc.failure.empty()) << mc.failure;
  int mismatches = 0;
  for (size_t i = 0; i < e.text.size(); ++i) {
    const std::string ours = hex(e.bytes.data() + e.begin[i], e.end[i] - e.begin[i]);
    const auto err = mc.errors.find(i);
    const std::string theirs = err != mc.errors.end() ? "error: " + err->second
                                                      : hex(mc.encodings[i].data(), mc.encodings[i].size());
    if (ours != theirs && ++mismatches <= 40) {
      ADD_FAILURE() << e.text[i] << "\n  ours:    " << ours << "\n  llvm-mc: " << theirs;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << e.text.size() << " instructions";
  std::printf("[ proof ] llvm-mc: %zu instructions from %d rows checked, %d mismatches\n", e.text.size(),
              kFormCount, mismatches);
}

TEST_F(EncoderProof, ObjdumpDecodesOurBytesToOurText) {
  if (!tool_exists(kObjdump)) GTEST_SKIP() << kObjdump << " not found: install binutils";
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const Encoded& e = *encoded_;
  const std::map<size_t, Decoded> dis = objdump_decode(dir, e.bytes);
  int mismatches = 0;
  for (size_t i = 0; i < e.text.size(); ++i) {
    const auto it = dis.find(e.begin[i]);
    const int length = static_cast<int>(e.end[i] - e.begin[i]);
    const std::string ours = normalize(e.text[i]);
    const std::string theirs =
        it == dis.end() ? "(no instruction at this offset)" : normalize(it->second.text);
    const bool same = it != dis.end() && it->second.length == length && same_text(ours, theirs);
    if (!same && ++mismatches <= 40) {
      ADD_FAILURE() << e.text[i] << "  [" << hex(e.bytes.data() + e.begin[i], static_cast<size_t>(length))
                    << "]\n  ours:    " << ours << "\n  objdump: " << theirs;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << e.text.size() << " instructions";
  std::printf("[ proof ] objdump: %zu instructions decoded, %d mismatches\n", e.text.size(), mismatches);
}

}  // namespace
}  // namespace njc::x86::test
