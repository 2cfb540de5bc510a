// `njc import`: RTNeural model files to njc model JSON, checked by reading the result back before it is
// written (atomically).
#include "tools/import_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "frontend/json_document.h"
#include "frontend/model_reader.h"
#include "frontend/rtneural_import.h"
#include "tools/atomic_file.h"

namespace njc::tools {

namespace {
int report(const Diag& d, const std::string* source) {
  std::fputs(format_diag(d, source).c_str(), stderr);
  return 1;
}
}  // namespace

int run_import_command(int argc, char** argv) {
  CLI::App app{
      "Convert an RTNeural model (Keras-layout JSON) into an njc model. For ONNX models use "
      "/usr/bin/python3 tools/onnx_import.py.",
      "njc import"};
  std::string input, output, name;
  app.add_option("file", input, "RTNeural model file")->required();
  app.add_option("-o,--output", output, "njc model file to write")->required();
  app.add_option("--name", name, "model name (default: the file's stem)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto text = read_text_file(input);
  if (!text) return report(text.error(), nullptr);
  auto doc = JsonDocument::parse(*text, input);
  if (!doc) return report(doc.error(), &*text);
  if (!is_rtneural_model(doc->root()))
    return report(Diag{input, 0, 0, "",
                       "not a recognized model format (expected RTNeural's {\"in_shape\", \"layers\"})"},
                  nullptr);
  auto model = import_rtneural(*doc, name.empty() ? model_name_from_path(input) : name);
  if (!model) return report(model.error(), &*text);
  std::string json = model->dump(1) + "\n";
  if (auto check = read_model_text(json, output, "."); !check)
    return report(check.error(), nullptr);  // an importer bug: say so rather than write a bad model
  if (Status s = write_file_atomically(output, json); !s) return report(s.error(), nullptr);
  return 0;
}

}  // namespace njc::tools
