// layout_map: a new layout for a constant buffer, as a permutation of a mixed-radix view of its elements,
// and the arithmetic that moves an affine access into it. The relayout pass (passes/relayout.cpp) uses it.
//
// A buffer of N elements is viewed row-major as digits of sizes D0 x D1 x ... x Dn-1 (product N): element
// f has digit i = (f / S_i) mod D_i, with S_i = D(i+1) * ... * D(n-1). The new layout stores the view
// permuted: new dimension p holds digit order[p], so element f moves to f' = sum_i digit_i(f) * S'_i,
// where S'_i is the product of the sizes of the digits placed after digit i.
//
//     view [K][N/64][64], order 1,0,2        element f = k*N + b*64 + c  (digits k, b, c)
//     new  [N/64][K][64]                     moves to f' = b*K*64 + k*64 + c
//
// An access reads f = c0 + sum_v c_v * v, each loop variable v = lb_v + step_v * t_v with t_v in
// [0, trip_v). Its digits are affine when f splits cleanly: the term c_v * step_v * t_v goes to the digit
// i of the largest stride S_i dividing c_v * step_v, the constant is split digit by digit, and the bounds
// of every digit's sum must stay inside [0, D_i). Then f = sum_i digit_i * S_i with every digit in range:
// that is the unique mixed-radix form of f, so these are f's digits, and f' = sum_i digit_i * S'_i is
// affine in the same variables (if its coefficients c_v * S'_i / S_i are integers). A vector access of W
// lanes adds a term t in [0, W) of stride 1; its lanes stay contiguous only if their digit is placed last.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct Layout {
  std::vector<int64_t> dims;  // the view's digit sizes, outermost first
  std::vector<size_t> order;  // new dimension p holds digit order[p]

  bool is_identity() const;
  std::vector<int64_t> new_dims() const;  // dims permuted by order
  // The same permutation with each run of digits that stay adjacent and in order merged into one digit
  // ([32][2][4] in order 2,0,1 is [64][4] in order 1,0): a variable may then range over the whole run.
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

// The buffer's elements in the new layout: out[f'] = data[f].
std::vector<float> permute(const std::vector<float>& data, const Layout& layout);

// The layout in which the loops read a buffer of `size` elements front to back: digits at the strides
// the accesses step by (each variable's c_v * step_v, the spacing of their constant offsets, and the
// lanes), ordered by the depth of the loop that walks them; digits only constants walk (unrolled copies)
// come inside every loop digit, the lanes' digit last. A Diag when those strides do not nest (each must
// divide the next larger one). May be the identity.
Expected<Layout> access_order(const std::vector<FlatAccess>& accesses, int64_t size,
                              const std::vector<IvSpan>& ivs);

}  // namespace njc::passes
