// Which dot layout the pass keeps: a rule that offers another layout of a dot (here
// dot-swap-operands, rules/dot_general.py) is taken only where the cost model prefers its side
// by more than its error on the dots that differ (`CostModel.judge`); the analytical model here.
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=dot-swap-operands' | FileCheck %s

/// A plain matmul already in the form of XLA's GEMM: the swapped product would run in XLA's
/// generic emitter and need a transpose, so the input stays.
// CHECK-LABEL: func.func @plain_matmul_keeps_its_operands(
// CHECK-NEXT:    stablehlo.dot_general %arg0, %arg1, contracting_dims = [1] x [0]
// CHECK-NEXT:    return
func.func @plain_matmul_keeps_its_operands(%a: tensor<64x128xf32>, %b: tensor<128x256xf32>) -> tensor<64x256xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<64x128xf32>, tensor<128x256xf32>) -> tensor<64x256xf32>
  return %0 : tensor<64x256xf32>
}

// -----

/// A plain product is left to the dot_general rules, even written in the generic emitter's
/// form: swapped, its result would need a transpose that XLA reads strided where it fuses it.
// CHECK-LABEL: func.func @plain_generic_dot_is_not_swapped(
// CHECK-NEXT:    stablehlo.dot_general %arg0, %arg1, contracting_dims = [0] x [1]
// CHECK-NEXT:    return
func.func @plain_generic_dot_is_not_swapped(%a: tensor<512x8xf32>, %b: tensor<256x512xf32>) -> tensor<8x256xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [0] x [1] : (tensor<512x8xf32>, tensor<256x512xf32>) -> tensor<8x256xf32>
  return %0 : tensor<8x256xf32>
}

// -----

/// A batched dot with a precision config: the same for both operands, it carries over to the
/// swapped dot; one per operand that differs, and the rule leaves the dot alone.
// CHECK-LABEL: func.func @same_precision_swaps(
// CHECK-NEXT:    %[[D:.+]] = stablehlo.dot_general %arg1, %arg0, batching_dims = [1, 2] x [0, 2], contracting_dims = [4] x [1], precision = [HIGHEST, HIGHEST]
// CHECK-NEXT:    stablehlo.transpose %[[D]], dims = [0, 1, 4, 2, 3]
// CHECK-LABEL: func.func @different_precisions_stay(
// CHECK-NEXT:    stablehlo.dot_general %arg0, %arg1, batching_dims = [0, 2] x [1, 2], contracting_dims = [1] x [4], precision = [HIGHEST, DEFAULT]
// CHECK-NEXT:    return
func.func @same_precision_swaps(%v: tensor<2x128x8x4xf32>, %p: tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32> {
  %0 = stablehlo.dot_general %v, %p, batching_dims = [0, 2] x [1, 2], contracting_dims = [1] x [4], precision = [HIGHEST, HIGHEST] : (tensor<2x128x8x4xf32>, tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32>
  return %0 : tensor<2x8x4x1x128xf32>
}
func.func @different_precisions_stay(%v: tensor<2x128x8x4xf32>, %p: tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32> {
  %0 = stablehlo.dot_general %v, %p, batching_dims = [0, 2] x [1, 2], contracting_dims = [1] x [4], precision = [HIGHEST, DEFAULT] : (tensor<2x128x8x4xf32>, tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32>
  return %0 : tensor<2x8x4x1x128xf32>
}
