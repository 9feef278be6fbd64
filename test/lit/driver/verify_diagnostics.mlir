// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics
// RUN: not stablehlo-eqsat-opt %s --split-input-file 2>&1 | FileCheck %s

/// A parse error is reported at its line; --verify-diagnostics matches it against the
/// expected-error comment (@+1: the next line) and succeeds. Without the flag it is an error
/// printed as file:line:col and the tool exits non-zero.
// CHECK: verify_diagnostics.mlir:[[# @LINE + 3]]:{{[0-9]+}}: error: custom op 'stablehlo.no_such_op' is unknown
func.func @parse_error(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{custom op 'stablehlo.no_such_op' is unknown}}
  %0 = stablehlo.no_such_op %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// A use of an undefined value, in a later chunk: line numbers count from the file's start.
// CHECK: verify_diagnostics.mlir:[[# @LINE + 3]]:{{[0-9]+}}: error: use of undeclared SSA value name
func.func @undefined_value(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{use of undeclared SSA value name}}
  %0 = stablehlo.abs %undefined : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// A chunk with no diagnostics and no expectations passes.
func.func @no_diagnostics(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
