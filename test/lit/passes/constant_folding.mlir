// What constant folding (rules/constant_fold.py) leaves computed and what it folds, beyond each
// fold alone (those are in test/lit/rules/constant_fold.mlir): values generated from iotas and
// splats stay computed unless they meet a dense constant or are splats themselves.
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict' | FileCheck %s

/// An iota that meets a dense constant is folded with it: the sum is one constant either way.
// CHECK-LABEL: func.func @iota_meets_dense_constant(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[[10, 21, 32], [40, 51, 62]]> : tensor<2x3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<2x3xi32>
func.func @iota_meets_dense_constant() -> tensor<2x3xi32> {
  %0 = stablehlo.iota dim = 1 : tensor<2x3xi32>
  %c = stablehlo.constant dense<[[10, 20, 30], [40, 50, 60]]> : tensor<2x3xi32>
  %1 = stablehlo.add %0, %c : tensor<2x3xi32>
  return %1 : tensor<2x3xi32>
}

// -----

/// A value generated from iotas and splats alone (here a causal mask) stays computed: XLA
/// computes it inside the fusion that reads it, where a dense constant would be read from memory.
// CHECK-LABEL: func.func @generated_mask_stays_computed(
// CHECK-DAG:     stablehlo.iota dim = 0
// CHECK-DAG:     stablehlo.iota dim = 1
// CHECK:         %[[M:.+]] = stablehlo.compare GE,
// CHECK-NEXT:    return %[[M]] : tensor<4x4xi1>
func.func @generated_mask_stays_computed() -> tensor<4x4xi1> {
  %0 = stablehlo.iota dim = 0 : tensor<4x4xi32>
  %1 = stablehlo.iota dim = 1 : tensor<4x4xi32>
  %2 = stablehlo.compare GE, %0, %1 : (tensor<4x4xi32>, tensor<4x4xi32>) -> tensor<4x4xi1>
  return %2 : tensor<4x4xi1>
}
