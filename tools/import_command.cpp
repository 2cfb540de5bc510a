// `njc import`: RTNeural model files to njc model JSON, checked by reading the result back before it is
// written (atomically).
#include "tools/import_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

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
      "Convert an RTNeural model (Keras-layout JSON or a PyTorch state_dict as JSON) into an njc model. For "
      "ONNX models use /usr/bin/python3 tools/onnx_import.py.",
      "njc import"};
  std::string input, output, name;
  app.add_option("file", input, "RTNeural model file")->required();
  app.add_option("-o,--output", output, "njc model file to write")->required();
  app.add_option("--name", name,
                 "model name, the symbol prefix of --emit-obj (default: the output file's stem, as a C "
                 "identifier)");
  std::vector<std::string> layer_options;
  app.add_option(
      "--layer-option", layer_options,
      "PyTorch state_dicts: PREFIX.KEY=VALUE for what the file does not say (conv.dilation=2, "
      "conv.groups=3, conv.stride=3, conv.transposed=1, dense.activation=tanh; a root-level module has no "
      "prefix; docs/importers.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  RtNeuralOptions options;
  for (const std::string& o : layer_options) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      return report(Diag{"njc import", 0, 0, "", "--layer-option '" + o + "' is not KEY=VALUE"}, nullptr);
    options.layer_options[o.substr(0, eq)] = o.substr(eq + 1);
  }
  auto text = read_text_file(input);
  if (!text) return report(text.error(), nullptr);
  auto doc = JsonDocument::parse(*text, input);
  if (!doc) return report(doc.error(), &*text);
  if (!is_rtneural_model(doc->root()))
    return report(Diag{input, 0, 0, "",
                       "not a recognized model format (expected RTNeural's {\"in_shape\", \"layers\"} or a "
                       "PyTorch state_dict of LSTM, GRU, Linear, Conv1d, BatchNorm1d or PReLU tensors)"},
                  nullptr);
  auto model = import_rtneural(*doc, name.empty() ? model_name_from_path(output) : name, options);
  if (!model) return report(model.error(), &*text);
  std::string json = model->dump(1) + "\n";
  if (auto check = read_model_text(json, output, "."); !check)
    return report(check.error(), nullptr);  // an importer bug: say so rather than write a bad model
  if (Status s = write_file_atomically(output, json); !s) return report(s.error(), nullptr);
  return 0;
}

}  // namespace njc::tools
