// Telling njc JSON from graph IR text and reading either.
#include "frontend/model_loader.h"

#include "frontend/onnx_import.h"
#include "ir/graph_printer.h"
#include "ir/memory_budget.h"

namespace njc {

namespace {
bool looks_like_json(const std::string& file, const std::string& text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return file.ends_with(".json") || (first != std::string::npos && text[first] == '{');
}
}  // namespace

Expected<Graph> load_model_text(std::string text, const std::string& file, const std::string& base_dir,
                                const ReadOptions& options) {
  if (looks_like_json(file, text)) return read_model_text(std::move(text), file, base_dir, options);
  if (looks_like_onnx(file, text)) {
    // Imported on the fly with the defaults of `njc import` (recurrent state carried between calls).
    OnnxImportOptions onnx_options;
    onnx_options.name = model_name_from_path(file);
    auto imported = import_onnx_bytes(text, file, onnx_options);
    if (!imported) return imported.error();
    return read_model_text(imported->model.dump(), file + " (as imported from ONNX)", base_dir, options);
  }
  auto g = parse_graph(text, file);
  if (g)
    if (std::string why = over_budget(*g, options.memory_budget); !why.empty())
      return Diag{file, 0, 0, "", why};
  return g;
}

Expected<Graph> load_model_file(const std::string& path, const ReadOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return load_model_text(std::move(*text), path, directory_of(path), options);
}

}  // namespace njc
