// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// Every elementwise binary op the importer models as a typed constructor comes back with
/// its operands in order (non-commutative ops would change meaning if swapped).

// -----

// STATS: @add_roundtrip: optimized
// CHECK-LABEL: @add_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @add_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.add %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @subtract_roundtrip: optimized
// CHECK-LABEL: @subtract_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.subtract %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @subtract_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.subtract %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @multiply_roundtrip: optimized
// CHECK-LABEL: @multiply_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.multiply %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @multiply_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.multiply %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @divide_roundtrip: optimized
// CHECK-LABEL: @divide_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.divide %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @divide_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.divide %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @remainder_roundtrip: optimized
// CHECK-LABEL: @remainder_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.remainder %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @remainder_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.remainder %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @maximum_roundtrip: optimized
// CHECK-LABEL: @maximum_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @maximum_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.maximum %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @minimum_roundtrip: optimized
// CHECK-LABEL: @minimum_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.minimum %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @minimum_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.minimum %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @power_roundtrip: optimized
// CHECK-LABEL: @power_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.power %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @power_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.power %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @atan2_roundtrip: optimized
// CHECK-LABEL: @atan2_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.atan2 %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xf32>
func.func @atan2_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.atan2 %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @and_roundtrip: optimized
// CHECK-LABEL: @and_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>, %[[Y:.+]]: tensor<2x3xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.and %[[X]], %[[Y]] : tensor<2x3xi32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi32>
func.func @and_roundtrip(%x: tensor<2x3xi32>, %y: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.and %x, %y : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// STATS: @or_roundtrip: optimized
// CHECK-LABEL: @or_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi1>, %[[Y:.+]]: tensor<2x3xi1>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.or %[[X]], %[[Y]] : tensor<2x3xi1>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi1>
func.func @or_roundtrip(%x: tensor<2x3xi1>, %y: tensor<2x3xi1>) -> tensor<2x3xi1> {
  %0 = stablehlo.or %x, %y : tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// STATS: @xor_roundtrip: optimized
// CHECK-LABEL: @xor_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>, %[[Y:.+]]: tensor<2x3xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.xor %[[X]], %[[Y]] : tensor<2x3xi32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi32>
func.func @xor_roundtrip(%x: tensor<2x3xi32>, %y: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.xor %x, %y : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// STATS: @shift_left_roundtrip: optimized
// CHECK-LABEL: @shift_left_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>, %[[Y:.+]]: tensor<2x3xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.shift_left %[[X]], %[[Y]] : tensor<2x3xi32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi32>
func.func @shift_left_roundtrip(%x: tensor<2x3xi32>, %y: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.shift_left %x, %y : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// STATS: @shift_right_arithmetic_roundtrip: optimized
// CHECK-LABEL: @shift_right_arithmetic_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>, %[[Y:.+]]: tensor<2x3xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.shift_right_arithmetic %[[X]], %[[Y]] : tensor<2x3xi32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi32>
func.func @shift_right_arithmetic_roundtrip(%x: tensor<2x3xi32>, %y: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.shift_right_arithmetic %x, %y : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// STATS: @shift_right_logical_roundtrip: optimized
// CHECK-LABEL: @shift_right_logical_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>, %[[Y:.+]]: tensor<2x3xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.shift_right_logical %[[X]], %[[Y]] : tensor<2x3xi32>
// CHECK-NEXT: return %[[R]] : tensor<2x3xi32>
func.func @shift_right_logical_roundtrip(%x: tensor<2x3xi32>, %y: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.shift_right_logical %x, %y : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

/// complex builds a complex tensor from two real ones.
// STATS: @complex_roundtrip: optimized
// CHECK-LABEL: @complex_roundtrip
// CHECK-SAME: (%[[RE:.+]]: tensor<4xf32>, %[[IM:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.complex %[[RE]], %[[IM]] : tensor<4xcomplex<f32>>
// CHECK-NEXT: return %[[R]]
func.func @complex_roundtrip(%re: tensor<4xf32>, %im: tensor<4xf32>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.complex %re, %im : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

/// The same operand on both sides, and an op whose operands are swapped, stay as written.
// STATS: @operand_order_kept: optimized
// CHECK-LABEL: @operand_order_kept
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[Y:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.+]] = stablehlo.subtract %[[X]], %[[X]]
// CHECK-NEXT: %[[B:.+]] = stablehlo.subtract %[[Y]], %[[X]]
// CHECK-NEXT: %[[C:.+]] = stablehlo.divide %[[A]], %[[B]]
// CHECK-NEXT: return %[[C]]
func.func @operand_order_kept(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.subtract %x, %x : tensor<4xf32>
  %1 = stablehlo.subtract %y, %x : tensor<4xf32>
  %2 = stablehlo.divide %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}
