// A small lexer shared by the IR text parsers: identifiers, %values, @symbols, numbers, strings and
// punctuation, each with its line and column for diagnostics.
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"

namespace njc {

enum class TokKind { Ident, Value, Symbol, Int, Float, String, Punct, End };

struct Token {
  TokKind kind;
  std::string text;  // identifier, name without sigil or quotes, number spelling, string contents, punct
  int line, col;
};

// Splits text into tokens; `//` starts a comment to the end of the line. Fails on a malformed token.
Expected<std::vector<Token>> lex_ir_text(const std::string& text, const std::string& file);

// A cursor over the tokens with the expect-or-fail helpers every parser needs.
class TokenCursor {
 public:
  TokenCursor(std::vector<Token> toks, std::string file) : toks_(std::move(toks)), file_(std::move(file)) {}
  const Token& peek(size_t ahead = 0) const;
  const Token& next();
  bool at_punct(const char* p) const { return peek().kind == TokKind::Punct && peek().text == p; }
  bool at_ident(const char* s) const { return peek().kind == TokKind::Ident && peek().text == s; }
  bool accept_punct(const char* p);
  Expected<Token> expect(TokKind kind, const char* what);
  Status expect_punct(const char* p);
  Status expect_ident(const char* s);
  Diag error_here(std::string message) const { return error_at(peek(), std::move(message)); }
  Diag error_at(const Token& t, std::string message) const;
  const std::string& file() const { return file_; }

 private:
  std::vector<Token> toks_;
  size_t pos_ = 0;
  std::string file_;
};

}  // namespace njc
