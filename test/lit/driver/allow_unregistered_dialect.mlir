/// Ops of unknown dialects are accepted only with --allow-unregistered-dialect.
// RUN: stablehlo-eqsat-opt %s --allow-unregistered-dialect --stablehlo-eqsat-roundtrip | FileCheck %s
// RUN: not stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip 2>&1 | FileCheck %s --check-prefix=ERR

// ERR: allow_unregistered_dialect.mlir:[[# @LINE + 8]]:{{[0-9]+}}: error: operation being parsed with an unregistered dialect

// CHECK-LABEL: func.func @unknown_dialect_op
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[W:.+]] = "vendor.widget"(%[[X]]) {knob = "on"} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[A:.+]] = stablehlo.abs %[[W]]
// CHECK-NEXT: return %[[A]]
func.func @unknown_dialect_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "vendor.widget"(%x) {knob = "on"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
