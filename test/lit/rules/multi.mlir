// Rules of the `multi` family (rules/multi.py): TENSAT's multi-pattern rules, where two
// independent dots that share an operand become one dot on concatenated operands, sliced apart.
// One function per rule, named after it.
//
// The wider kernel may sum in another order (`reassoc`): strict mode leaves the functions
// alone (STRICT), fast mode runs the rules (FAST). Whether one wide dot beats two narrow ones is
// the cost model's call, so each function also computes the merged form itself: once the rule
// fires, each narrow dot and its slice of the wide dot are one value, and the extracted
// program computes each result once.
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=merge-dots-shared-lhs|merge-dots-shared-rhs' | FileCheck %s --check-prefixes=CHECK,STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast measure=off only-rules=merge-dots-shared-lhs|merge-dots-shared-rhs' | FileCheck %s --check-prefixes=CHECK,FAST

/// x @ w1, x @ w2 -> slices of x @ concatenate(w1, w2, dim=1).
// CHECK-LABEL: func.func @merge_dots_shared_lhs(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<16x32xf32>, %[[W1:[^:]+]]: tensor<32x8xf32>, %[[W2:[^:]+]]: tensor<32x16xf32>)
// CHECK-NEXT:    %[[D1:.+]] = stablehlo.dot_general %[[X]], %[[W1]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[D2:.+]] = stablehlo.dot_general %[[X]], %[[W2]], contracting_dims = [1] x [0]
// STRICT-NEXT:   %[[W:.+]] = stablehlo.concatenate %[[W1]], %[[W2]], dim = 1
// STRICT-NEXT:   %[[D:.+]] = stablehlo.dot_general %[[X]], %[[W]]
// STRICT-NEXT:   %[[S1:.+]] = stablehlo.slice %[[D]] [0:16, 0:8]
// STRICT-NEXT:   %[[S2:.+]] = stablehlo.slice %[[D]] [0:16, 8:24]
// STRICT-NEXT:   return %[[D1]], %[[D2]], %[[S1]], %[[S2]]
// FAST-NEXT:     return %[[D1]], %[[D2]], %[[D1]], %[[D2]]
func.func @merge_dots_shared_lhs(%x: tensor<16x32xf32>, %w1: tensor<32x8xf32>, %w2: tensor<32x16xf32>) -> (tensor<16x8xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x16xf32>) {
  %0 = stablehlo.dot_general %x, %w1, contracting_dims = [1] x [0] : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = stablehlo.dot_general %x, %w2, contracting_dims = [1] x [0] : (tensor<16x32xf32>, tensor<32x16xf32>) -> tensor<16x16xf32>
  %2 = stablehlo.concatenate %w1, %w2, dim = 1 : (tensor<32x8xf32>, tensor<32x16xf32>) -> tensor<32x24xf32>
  %3 = stablehlo.dot_general %x, %2, contracting_dims = [1] x [0] : (tensor<16x32xf32>, tensor<32x24xf32>) -> tensor<16x24xf32>
  %4 = stablehlo.slice %3 [0:16, 0:8] : (tensor<16x24xf32>) -> tensor<16x8xf32>
  %5 = stablehlo.slice %3 [0:16, 8:24] : (tensor<16x24xf32>) -> tensor<16x16xf32>
  return %0, %1, %4, %5 : tensor<16x8xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x16xf32>
}

// -----

/// x1 @ w, x2 @ w -> slices of concatenate(x1, x2, dim=0) @ w.
// CHECK-LABEL: func.func @merge_dots_shared_rhs(
// CHECK-SAME:    %[[X1:[^:]+]]: tensor<8x32xf32>, %[[X2:[^:]+]]: tensor<16x32xf32>, %[[W:[^:]+]]: tensor<32x16xf32>)
// CHECK-NEXT:    %[[D1:.+]] = stablehlo.dot_general %[[X1]], %[[W]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[D2:.+]] = stablehlo.dot_general %[[X2]], %[[W]], contracting_dims = [1] x [0]
// STRICT-NEXT:   %[[X:.+]] = stablehlo.concatenate %[[X1]], %[[X2]], dim = 0
// STRICT-NEXT:   %[[D:.+]] = stablehlo.dot_general %[[X]], %[[W]]
// STRICT-NEXT:   %[[S1:.+]] = stablehlo.slice %[[D]] [0:8, 0:16]
// STRICT-NEXT:   %[[S2:.+]] = stablehlo.slice %[[D]] [8:24, 0:16]
// STRICT-NEXT:   return %[[D1]], %[[D2]], %[[S1]], %[[S2]]
// FAST-NEXT:     return %[[D1]], %[[D2]], %[[D1]], %[[D2]]
func.func @merge_dots_shared_rhs(%x1: tensor<8x32xf32>, %x2: tensor<16x32xf32>, %w: tensor<32x16xf32>) -> (tensor<8x16xf32>, tensor<16x16xf32>, tensor<8x16xf32>, tensor<16x16xf32>) {
  %0 = stablehlo.dot_general %x1, %w, contracting_dims = [1] x [0] : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
  %1 = stablehlo.dot_general %x2, %w, contracting_dims = [1] x [0] : (tensor<16x32xf32>, tensor<32x16xf32>) -> tensor<16x16xf32>
  %2 = stablehlo.concatenate %x1, %x2, dim = 0 : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<24x32xf32>
  %3 = stablehlo.dot_general %2, %w, contracting_dims = [1] x [0] : (tensor<24x32xf32>, tensor<32x16xf32>) -> tensor<24x16xf32>
  %4 = stablehlo.slice %3 [0:8, 0:16] : (tensor<24x16xf32>) -> tensor<8x16xf32>
  %5 = stablehlo.slice %3 [8:24, 0:16] : (tensor<24x16xf32>) -> tensor<16x16xf32>
  return %0, %1, %4, %5 : tensor<8x16xf32>, tensor<16x16xf32>, tensor<8x16xf32>, tensor<16x16xf32>
}
