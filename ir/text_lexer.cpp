// Lexer for the IR text forms.
#include "ir/text_lexer.h"

#include <cctype>

namespace njc {

namespace {
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

struct Lexer {
  const std::string& s;
  const std::string& file;
  size_t i = 0;
  int line = 1, col = 1;

  char at(size_t k = 0) const { return i + k < s.size() ? s[i + k] : '\0'; }
  void advance() {
    if (s[i] == '\n')
      ++line, col = 1;
    else
      ++col;
    ++i;
  }
  Diag error(std::string msg) const { return Diag{file, line, col, "", std::move(msg)}; }

  Expected<std::string> quoted() {
    advance();  // opening quote
    std::string out;
    while (at() != '"') {
      if (at() == '\0' || at() == '\n') return error("unterminated string");
      if (at() == '\\') {
        advance();
        char e = at();
        if (e != '"' && e != '\\' && e != 'n') return error("unknown escape '\\" + std::string(1, e) + "'");
        out += e == 'n' ? '\n' : e;
      } else {
        out += at();
      }
      advance();
    }
    advance();
    return out;
  }

  Token number() {
    Token t{TokKind::Int, "", line, col};
    if (at() == '-') t.text += '-', advance();
    if (s.compare(i, 3, "inf") == 0 || s.compare(i, 3, "nan") == 0) {
      t.text += s.substr(i, 3);
      advance(), advance(), advance();
      t.kind = TokKind::Float;
      return t;
    }
    while (std::isdigit(static_cast<unsigned char>(at())) || at() == '.' || at() == 'e' || at() == 'E' ||
           ((at() == '-' || at() == '+') && (t.text.back() == 'e' || t.text.back() == 'E'))) {
      if (at() == '.' || at() == 'e' || at() == 'E') t.kind = TokKind::Float;
      t.text += at();
      advance();
    }
    return t;
  }

  Expected<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      while (at() && (std::isspace(static_cast<unsigned char>(at())) || (at() == '/' && at(1) == '/'))) {
        if (at() == '/') {
          while (at() && at() != '\n') advance();
        } else {
          advance();
        }
      }
      if (!at()) break;
      char c = at();
      int l = line, k = col;
      if (c == '%' || c == '@') {
        advance();
        std::string name;
        if (at() == '"') {
          auto q = quoted();
          if (!q) return q.error();
          name = *q;
        } else {
          while (is_ident_char(at())) name += at(), advance();
        }
        if (name.empty()) return Diag{file, l, k, "", std::string("expected a name after '") + c + "'"};
        out.push_back({c == '%' ? TokKind::Value : TokKind::Symbol, name, l, k});
      } else if (c == '"') {
        auto q = quoted();
        if (!q) return q.error();
        out.push_back({TokKind::String, *q, l, k});
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '-' &&
                  (std::isdigit(static_cast<unsigned char>(at(1))) || at(1) == 'i' || at(1) == 'n'))) {
        out.push_back(number());
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::string id;
        while (std::isalnum(static_cast<unsigned char>(at())) || at() == '_') id += at(), advance();
        out.push_back({(id == "inf" || id == "nan") ? TokKind::Float : TokKind::Ident, id, l, k});
      } else if (std::string("{}()[],:=<>").find(c) != std::string::npos) {
        advance();
        out.push_back({TokKind::Punct, std::string(1, c), l, k});
      } else if (c == '-' && at(1) == '>') {
        advance(), advance();
        out.push_back({TokKind::Punct, "->", l, k});
      } else {
        return error(std::string("unexpected character '") + c + "'");
      }
    }
    out.push_back({TokKind::End, "", line, col});
    return out;
  }
};

}  // namespace

Expected<std::vector<Token>> lex_ir_text(const std::string& text, const std::string& file) {
  return Lexer{text, file}.run();
}

const Token& TokenCursor::peek(size_t ahead) const {
  return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
}

const Token& TokenCursor::next() {
  const Token& t = peek();
  if (pos_ < toks_.size() - 1) ++pos_;
  return t;
}

bool TokenCursor::accept_punct(const char* p) {
  if (!at_punct(p)) return false;
  next();
  return true;
}

Expected<Token> TokenCursor::expect(TokKind kind, const char* what) {
  if (peek().kind != kind && !(kind == TokKind::Float && peek().kind == TokKind::Int))
    return error_here(std::string("expected ") + what + ", found " +
                      (peek().kind == TokKind::End ? std::string("end of input") : "'" + peek().text + "'"));
  return next();
}

Status TokenCursor::expect_punct(const char* p) {
  if (accept_punct(p)) return Status::ok();
  return error_here(std::string("expected '") + p + "', found " +
                    (peek().kind == TokKind::End ? std::string("end of input") : "'" + peek().text + "'"));
}

Status TokenCursor::expect_ident(const char* s) {
  if (at_ident(s)) {
    next();
    return Status::ok();
  }
  return error_here(std::string("expected '") + s + "', found '" + peek().text + "'");
}

Diag TokenCursor::error_at(const Token& t, std::string message) const {
  return Diag{file_, t.line, t.col, "", std::move(message)};
}

}  // namespace njc
