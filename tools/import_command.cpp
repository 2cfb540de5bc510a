// `njc import`: RTNeural model files and ONNX models to njc model JSON, checked by reading the result back
// before it is written (atomically; an ONNX side file of weights too).
#include "tools/import_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

#include "frontend/file_reader.h"
#include "frontend/json_document.h"
#include "frontend/model_reader.h"
#include "frontend/onnx_import.h"
#include "frontend/rtneural_import.h"
#include "tools/atomic_file.h"

namespace njc::tools {

namespace {
int report(const Diag& d, const std::string* source) {
  std::fputs(format_diag(d, source).c_str(), stderr);
  return 1;
}

// Converts, checks by reading the model back (against the weights in memory: they are written only after),
// then writes the side file and the model.
int write_onnx_import(const std::string& input, const std::string& bytes, const std::string& output,
                      const OnnxImportOptions& options) {
  auto imported = import_onnx_bytes(bytes, input, options);
  if (!imported) return report(imported.error(), nullptr);
  std::string json = imported->model.dump(1) + "\n";
  if (options.weights_file.empty()) {
    if (auto check = read_model_text(json, output, "."); !check) return report(check.error(), nullptr);
  } else if (Status s = write_file_atomically(options.weights_file, imported->weights); !s) {
    return report(s.error(), nullptr);
  }
  if (Status s = write_file_atomically(output, json); !s) return report(s.error(), nullptr);
  if (!options.weights_file.empty())
    if (auto check = read_model_file(output); !check) {
      std::remove(output.c_str());
      std::remove(options.weights_file.c_str());
      return report(check.error(), nullptr);  // an importer bug: say so rather than leave a bad model
    }
  return 0;
}
}  // namespace

int run_import_command(int argc, char** argv) {
  CLI::App app{
      "Convert an ONNX model, an RTNeural model (Keras-layout JSON) or a PyTorch state_dict (as JSON) into "
      "an "
      "njc model (docs/importers.md).",
      "njc import"};
  std::string input, output, name;
  app.add_option("file", input, "ONNX or RTNeural model file")->required();
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
  std::string weights;
  app.add_option("--weights", weights, "ONNX: write the weights to this little-endian f32 file, not inline");
  std::vector<std::string> state_pairs;
  app.add_option("--state", state_pairs,
                 "ONNX: INPUT=OUTPUT makes graph input INPUT a state that takes OUTPUT after each call "
                 "(repeatable; replaces the automatic pairing of recurrent states)");
  bool stateless = false;
  app.add_flag("--stateless", stateless,
               "ONNX: keep every graph input an input and start recurrent ops from their given initial "
               "state on every call");
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
  if (looks_like_onnx(input, *text)) {
    OnnxImportOptions onnx_options;
    onnx_options.name = name.empty() ? model_name_from_path(output) : name;
    onnx_options.weights_file = weights;
    onnx_options.carry_states = !stateless;
    for (const std::string& pair : state_pairs) {
      size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
        return report(Diag{"njc import", 0, 0, "", "--state '" + pair + "' is not INPUT=OUTPUT"}, nullptr);
      onnx_options.state_pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
    return write_onnx_import(input, *text, output, onnx_options);
  }
  if (!weights.empty() || !state_pairs.empty() || stateless)
    return report(Diag{input, 0, 0, "", "--weights, --state and --stateless are for ONNX models only"},
                  nullptr);
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
