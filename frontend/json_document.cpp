// JSON parsing with source positions: nlohmann's SAX parser drives a DOM builder while a position-tracking
// iterator tells how far the lexer has read, which locates every key and value.
#include "frontend/json_document.h"

#include <cctype>
#include <iterator>
#include <set>

namespace njc {

namespace {

// A char iterator that records the furthest byte the lexer has looked at.
class TrackingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator() = default;
  TrackingIterator(const char* p, const char** furthest) : p_(p), furthest_(furthest) {}
  const char& operator*() const {
    if (p_ > *furthest_) *furthest_ = p_;
    return *p_;
  }
  TrackingIterator& operator++() {
    ++p_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator t = *this;
    ++p_;
    return t;
  }
  bool operator==(const TrackingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const TrackingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_ = nullptr;
  const char** furthest_ = nullptr;
};

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-';
}

// The start of the token that ends at or just before `last` (the furthest byte the lexer read).
size_t token_start(const std::string& s, size_t last) {
  if (last >= s.size()) last = s.empty() ? 0 : s.size() - 1;
  if (s[last] == '"') {  // a string: walk back to its unescaped opening quote
    for (size_t i = last; i-- > 0;) {
      if (s[i] != '"') continue;
      size_t slashes = 0;
      for (size_t j = i; j-- > 0 && s[j] == '\\';) ++slashes;
      if (slashes % 2 == 0) return i;
    }
    return 0;
  }
  if (s[last] == '{' || s[last] == '[') return last;
  if (!is_token_char(s[last]) && last > 0) --last;  // numbers are read one character past their end
  while (last > 0 && is_token_char(s[last - 1])) --last;
  return last;
}

class PositionRecorder {
 public:
  using json = nlohmann::json;
  PositionRecorder(json& root, const std::string& text, const char** furthest,
                   std::unordered_map<std::string, size_t>& offsets,
                   std::unordered_map<std::string, std::vector<size_t>>& element_offsets)
      : dom_(root, false), text_(text), furthest_(furthest), offsets_(offsets), element_offsets_(element_offsets) {}

  bool null() { return value(), dom_.null(); }
  bool boolean(bool v) { return value(), dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return value(), dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(), dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) { return value(), dom_.number_float(v, s); }
  bool string(std::string& v) { return value(), dom_.string(v); }
  bool binary(json::binary_t& v) { return value(), dom_.binary(v); }
  bool start_object(std::size_t n) {
    if (too_deep()) return false;
    stack_.push_back({false, 0, value(true), {}, {}, nullptr});
    return dom_.start_object(n);
  }
  bool end_object() {
    stack_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    if (too_deep()) return false;
    std::string p = value(true);
    std::vector<size_t>* elements = &element_offsets_[p];
    stack_.push_back({true, 0, std::move(p), {}, {}, elements});
    return dom_.start_array(n);
  }
  bool end_array() {
    stack_.pop_back();
    return dom_.end_array();
  }
  bool key(std::string& k) {
    Frame& f = stack_.back();
    size_t at = token_start(text_, here());
    std::string member = JsonDocument::child(f.pointer, k);
    if (!f.keys.insert(k).second) {
      duplicate_ = Diag{"", 0, 0, member, "duplicate key '" + k + "'"};
      duplicate_offset_ = at;
      return false;
    }
    f.key = k;
    offsets_[member] = at;
    return dom_.key(k);
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    syntax_message_ = ex.what();
    return false;
  }

  static constexpr size_t kMaxDepth = 64;
  std::optional<Diag> duplicate_, nesting_;
  size_t duplicate_offset_ = 0, nesting_offset_ = 0;
  std::string syntax_message_;

 private:
  struct Frame {
    bool is_array;
    size_t index;
    std::string pointer;
    std::string key;
    std::set<std::string> keys;
    std::vector<size_t>* elements;  // an array's element offsets (in element_offsets_)
  };

  size_t here() const { return static_cast<size_t>(*furthest_ - text_.data()); }

  // No njc file nests deeper than a few levels; refusing early keeps pointer bookkeeping (and anything
  // that walks the document) linear in the input.
  bool too_deep() {
    if (stack_.size() < kMaxDepth) return false;
    nesting_ = Diag{"", 0, 0, stack_.back().pointer, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    nesting_offset_ = token_start(text_, here());
    return true;
  }

  // Records the position of the value that starts now; returns its pointer when `want_pointer` (objects
  // and arrays, whose members need it). An array element's offset goes to its array's vector, so the
  // numbers of a weight array cost 8 bytes each, not a string-keyed entry.
  std::string value(bool want_pointer = false) {
    if (stack_.empty()) {
      offsets_[""] = token_start(text_, here());
      return "";
    }
    Frame& f = stack_.back();
    if (!f.is_array) return want_pointer ? JsonDocument::child(f.pointer, f.key) : std::string();  // at its key
    f.elements->push_back(token_start(text_, here()));
    const size_t index = f.index++;
    return want_pointer ? JsonDocument::child(f.pointer, index) : std::string();
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const std::string& text_;
  const char** furthest_;
  std::unordered_map<std::string, size_t>& offsets_;
  std::unordered_map<std::string, std::vector<size_t>>& element_offsets_;
  std::vector<Frame> stack_;
};

// nlohmann's message is "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error
// while parsing ..."; keep what follows the position.
std::string syntax_text(const std::string& what) {
  size_t col = what.find("column ");
  size_t colon = col == std::string::npos ? std::string::npos : what.find(": ", col);
  std::string msg = colon == std::string::npos ? what : what.substr(colon + 2);
  return msg.empty() ? "malformed JSON" : msg;
}

}  // namespace

Expected<JsonDocument> JsonDocument::parse(std::string text, std::string file) {
  JsonDocument doc;
  doc.text_ = std::move(text);
  doc.file_ = std::move(file);
  const char* furthest = doc.text_.data();
  PositionRecorder rec(doc.root_, doc.text_, &furthest, doc.offsets_, doc.element_offsets_);
  const char* b = doc.text_.data();
  bool ok = nlohmann::json::sax_parse(TrackingIterator(b, &furthest),
                                      TrackingIterator(b + doc.text_.size(), &furthest), &rec);
  for (auto [found, offset] : {std::pair{&rec.duplicate_, rec.duplicate_offset_}, {&rec.nesting_, rec.nesting_offset_}}) {
    if (!*found) continue;
    Diag d = **found;
    d.file = doc.file_;
    doc.set_position(d, offset);
    return d;
  }
  if (!ok) {
    Diag d{doc.file_, 0, 0, "", "invalid JSON: " + syntax_text(rec.syntax_message_)};
    doc.set_position(d, static_cast<size_t>(furthest - b));
    return d;
  }
  return doc;
}

std::string JsonDocument::child(const std::string& pointer, const std::string& token) {
  std::string out = pointer + "/";
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void JsonDocument::set_position(Diag& d, size_t offset) const {
  offset = std::min(offset, text_.size());
  d.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text_[i] == '\n') ++d.line, line_start = i + 1;
  d.col = static_cast<int>(offset - line_start) + 1;
}

std::optional<size_t> JsonDocument::offset_of(const std::string& pointer) const {
  if (auto it = offsets_.find(pointer); it != offsets_.end()) return it->second;
  const size_t slash = pointer.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto array = element_offsets_.find(pointer.substr(0, slash));
  if (array == element_offsets_.end()) return std::nullopt;
  const std::string token = pointer.substr(slash + 1);
  if (token.empty() || token.size() > 18 || token.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const size_t index = std::stoull(token);
  if (index >= array->second.size()) return std::nullopt;
  return array->second[index];
}

Diag JsonDocument::error_at(const std::string& pointer, std::string message) const {
  Diag d{file_, 0, 0, pointer, std::move(message)};
  std::string p = pointer;
  while (true) {
    if (std::optional<size_t> at = offset_of(p)) {
      set_position(d, *at);
      break;
    }
    if (p.empty()) break;
    p = p.substr(0, p.rfind('/'));
  }
  return d;
}

}  // namespace njc
