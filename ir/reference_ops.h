// The reference semantics of each op family, called by evaluate_node. Internal to ir/.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace njc::reference {

using Inputs = std::vector<const Tensor*>;

Tensor unary(const Node& n, const Tensor& x);
Tensor binary(const Node& n, const Tensor& a, const Tensor& b, const Shape& out);
Tensor gemm(const Node& n, const Inputs& in, const Shape& out);
Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out);
Tensor concat(const Node& n, const Inputs& in, const Shape& out);
Tensor slice(const Node& n, const Tensor& x, const Shape& out);
Tensor transpose(const Node& n, const Tensor& x, const Shape& out);
Tensor reduce(const Node& n, const Tensor& x, const Shape& out);
Tensor softmax(const Node& n, const Tensor& x);
Tensor conv1d(const Node& n, const Inputs& in, const Shape& out);
std::vector<Tensor> lstm(const Node& n, const Inputs& in, const std::vector<Shape>& out);
std::vector<Tensor> gru(const Node& n, const Inputs& in, const std::vector<Shape>& out);

// Applies an RNN gate activation by its ONNX name.
double rnn_activation(const std::string& name, double x);

}  // namespace njc::reference
