/// --verify-diagnostics fails when an expected diagnostic is not produced, and when a
/// diagnostic was not expected.
// RUN: not stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics 2>&1 | FileCheck %s

// CHECK: verify_diagnostics_mismatch.mlir:[[# @LINE + 3]]: error: expected error "this error never happens" was not produced
func.func @expected_but_missing(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{this error never happens}}
  %0 = stablehlo.abs %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: verify_diagnostics_mismatch.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: unexpected error: custom op 'stablehlo.no_such_op' is unknown
func.func @unexpected(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.no_such_op %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
