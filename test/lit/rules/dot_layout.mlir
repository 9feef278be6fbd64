// Rules of the `dot_layout` family (rules/dot_layout.py): another layout of one dot, offered to
// the extractor, which takes it where the cost model (here the analytical one, measure=off)
// prefers it by more than its error on the dots that differ. One function per rule, named after it.
//
// The layout decides XLA's kernel and so the summation order: the rules are `reassoc`, allowed by
// --fp-mode=xla as choices XLA makes itself (XLA), never by strict (STRICT).
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=dot-swap-operands' | FileCheck %s --check-prefix=STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=dot-swap-operands' | FileCheck %s --check-prefix=XLA

/// dot(a, b) -> transpose(dot(b, a)) (`reassoc`, as XLA's own layout choices): the attention
/// product of keras-hub's backbones, `V^T P^T` per batch and head. Computed as written, XLA
/// copies the probabilities into a transposed layout before its GEMM; with the operands swapped
/// they are read as they lie (moving the size-1 dimension is a bitcast) and only the smaller
/// result is transposed. (With head dimension 4, so that the analytical model, used here, sees
/// the copy above its error; keras-hub's BERT, GPT-2 and Llama at head dimension 32 gain
/// 1.05-1.06x as whole models by the measured choice: README, "Real models".)
// STRICT-LABEL: func.func @dot_swap_operands(
// STRICT-NEXT:    stablehlo.dot_general %arg0, %arg1
// XLA-LABEL: func.func @dot_swap_operands(
// XLA-SAME:    %[[V:[^:]+]]: tensor<2x128x8x4xf32>, %[[P:[^:]+]]: tensor<1x2x8x128x128xf32>)
// XLA-NEXT:    %[[D:.+]] = stablehlo.dot_general %[[P]], %[[V]], batching_dims = [1, 2] x [0, 2], contracting_dims = [4] x [1] : (tensor<1x2x8x128x128xf32>, tensor<2x128x8x4xf32>) -> tensor<2x8x1x128x4xf32>
// XLA-NEXT:    %[[T:.+]] = stablehlo.transpose %[[D]], dims = [0, 1, 4, 2, 3] : (tensor<2x8x1x128x4xf32>) -> tensor<2x8x4x1x128xf32>
// XLA-NEXT:    return %[[T]]
func.func @dot_swap_operands(%v: tensor<2x128x8x4xf32>, %p: tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32> {
  %0 = stablehlo.dot_general %v, %p, batching_dims = [0, 2] x [1, 2], contracting_dims = [1] x [4] : (tensor<2x128x8x4xf32>, tensor<1x2x8x128x128xf32>) -> tensor<2x8x4x1x128xf32>
  return %0 : tensor<2x8x4x1x128xf32>
}
