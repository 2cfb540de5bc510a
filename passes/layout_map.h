// layout_map: a new layout for a constant buffer, as a permutation of a mixed-radix view of its elements
// (padded where a dimension does not split evenly), and the arithmetic that moves an affine access into
// it. The relayout pass (passes/relayout.cpp) uses it.
//
// A buffer of N elements is a row-major array of `shape` (product N; by default just [N]). Each dimension
// r of the shape is padded to P_r >= shape[r] and split row-major into digits (product P_r); element f has
// one index per dimension, and each index one value per digit. The new layout stores the digits permuted:
// new dimension p holds digit order[p], and element f moves to f' = sum_i digit_i(f) * S'_i, S'_i the
// product of the sizes of the digits placed after digit i. Padding elements are 0 and never read.
//
//     shape [K][N], digits K | N/64, 64, order 1,0,2        f = k*N + b*64 + c   (digits k, b, c)
//     new   [N/64][K][64]                                   f' = b*K*64 + k*64 + c
//     shape [K][400], digits K | 7, 64 (400 padded to 448)  the last panel holds 16 columns and 48 zeros
//
// An access reads f = c0 + sum_v c_v * v, each loop variable v = lb_v + step_v * t_v with t_v in
// [0, trip_v). Its digits are affine when f splits cleanly, once into the shape's indexes and once more
// each index into its digits: each term c_v * step_v * t_v goes to the place of the largest stride
// dividing it, the constant is split place by place, and the bounds of every sum, from the trip counts,
// must stay inside the place (an index inside its dimension, a digit inside its size). Then these are
// f's indexes and digits (the mixed-radix form of a number is unique), and f' is affine in the same
// variables if its coefficients are integers. A vector access of W lanes adds a term t in [0, W) of
// stride 1; its lanes stay contiguous only if their digit is placed last.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct Layout {
  std::vector<int64_t> dims;   // the digits' sizes, outermost first
  std::vector<size_t> order;   // new dimension p holds digit order[p]
  std::vector<int64_t> shape;  // the buffer as a row-major array; empty: [product of dims], no padding
  std::vector<size_t> dim_of;  // the dimension of shape each digit splits (non-decreasing); empty: all 0

  std::vector<int64_t> shape_dims() const;  // shape, or [product of dims]
  size_t dim_of_digit(size_t digit) const;
  int64_t size() const;  // elements of the new layout: the product of dims (padding included)
  bool is_identity() const;
  std::vector<int64_t> new_dims() const;  // dims permuted by order
  // The same layout with each run of digits that split one dimension and stay adjacent and in order merged
  // into one digit ([32][2][4] in order 2,0,1 is [64][4] in order 1,0): a variable may then range over the
  // whole run.
  Layout coalesced() const;
};

// How a loop variable runs: v = lb + step * t for t in [0, trip); depth = its loop's nesting depth.
struct IvSpan {
  int64_t lb = 0;
  int64_t step = 1;
  int64_t trip = 1;
  int depth = 0;
};
std::vector<IvSpan> iv_spans(const loop::Kernel& k);  // indexed by ValueId (non-IVs: trip 1)

// One read of the buffer in its current layout: element offset of its first lane, and lanes read
// (1 for a scalar or a broadcast; a masked access reads its first mask_lanes lanes).
struct FlatAccess {
  loop::Affine offset;
  int64_t lanes = 1;
};

// The offset of the access in the new layout; a Diag without location saying why there is none.
Expected<loop::Affine> relocate(const FlatAccess& a, const Layout& layout, const std::vector<IvSpan>& ivs);

// The buffer's elements in the new layout (layout.size() of them, padding 0): out[f'] = data[f].
std::vector<float> permute(const std::vector<float>& data, const Layout& layout);

// The layout in which the loops read a buffer of `size` elements front to back. Its digits are at the
// strides the accesses step by (each variable's c_v * step_v, the spacing of their constant offsets, the
// lanes); where a stride does not divide the next larger one, that one is a row of the shape and the
// digit above the smaller stride is padded (by at most 25 % of the buffer: short rows gain nothing).
// Digits are ordered by the depth of the loop that walks them; digits only constants walk (unrolled
// copies) come inside every loop digit, the lanes' digit last. A Diag when the strides do not form rows
// or would pad more. May be the identity.
Expected<Layout> access_order(const std::vector<FlatAccess>& accesses, int64_t size,
                              const std::vector<IvSpan>& ivs);

}  // namespace njc::passes
