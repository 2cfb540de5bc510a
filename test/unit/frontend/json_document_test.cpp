// JSON parsing with positions: every key and array element is located, duplicates are rejected.
#include "frontend/json_document.h"

#include <gtest/gtest.h>

namespace njc {
namespace {

TEST(JsonDocument, LocatesKeysAndArrayElements) {
  auto doc = JsonDocument::parse("{\n  \"a\": [10, \"x\",\n   {\"b~/c\": 2.5}],\n  \"d\": null\n}", "f.json");
  ASSERT_TRUE(doc);
  auto at = [&](const char* p) {
    Diag d = doc->error_at(p, "m");
    return std::to_string(d.line) + ":" + std::to_string(d.col);
  };
  EXPECT_EQ(at("/a"), "2:3");
  EXPECT_EQ(at("/a/0"), "2:9");
  EXPECT_EQ(at("/a/1"), "2:13");
  EXPECT_EQ(at("/a/2"), "3:4");
  EXPECT_EQ(at("/a/2/b~0~1c"), "3:5");
  EXPECT_EQ(at("/d"), "4:3");
  EXPECT_EQ(at("/a/2/missing"), "3:4");  // nearest ancestor
  EXPECT_EQ(doc->error_at("/d", "m").pointer, "/d");
}

TEST(JsonDocument, RejectsDuplicateKeys) {
  auto doc = JsonDocument::parse("{\"a\": 1,\n \"a\": 2}", "f.json");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message, "duplicate key 'a'");
  EXPECT_EQ(doc.error().line, 2);
  EXPECT_EQ(doc.error().col, 2);
}

TEST(JsonDocument, SyntaxErrorsAreLocated) {
  auto doc = JsonDocument::parse("{\"a\": [1, 2,, 3]}", "f.json");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().line, 1);
  EXPECT_EQ(doc.error().col, 13);
  EXPECT_NE(doc.error().message.find("invalid JSON"), std::string::npos);
  EXPECT_FALSE(JsonDocument::parse("", "f.json"));
  EXPECT_FALSE(JsonDocument::parse("{} {}", "f.json"));
}

TEST(JsonDocument, StringsWithEscapedQuotesAreLocatedAtTheirStart) {
  auto doc = JsonDocument::parse("[\"a\\\"b\", \"c\"]", "f.json");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->error_at("/1", "m").col, 10);
  EXPECT_EQ(doc->error_at("/0", "m").col, 2);
}

}  // namespace
}  // namespace njc
