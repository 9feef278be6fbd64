// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat=fp-mode=strict | FileCheck %s

/// Found by `stablehlo-eqsat-fuzz --seed 2024` (programs 4704..4735): `y * 0` folds to a zero
/// constant, which would make `x / (y * 0)` an integer division by a constant zero; XLA's compiler
/// crashes (SIGFPE) on that, so the pass keeps the input for such a graph.
// CHECK-LABEL: func.func @int_division_by_constant_zero(
// CHECK:         stablehlo.multiply
// CHECK:         stablehlo.divide
func.func @int_division_by_constant_zero(%x: tensor<4xi32>, %y: tensor<4xi32>) -> tensor<4xi32> {
  %zero = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.multiply %y, %zero : tensor<4xi32>
  %1 = stablehlo.divide %x, %0 : tensor<4xi32>
  return %1 : tensor<4xi32>
}
