// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// compare keeps its direction, and its compare_type when there is one (none is added when
/// the input had none).
// STATS: @compare_with_and_without_type: optimized
// CHECK-LABEL: @compare_with_and_without_type
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[I:[^:]+]]: tensor<4xi32>, %[[J:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT: %[[GT:.+]] = stablehlo.compare GT, %[[X]], %[[Y]] : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// CHECK-NEXT: %[[LT:.+]] = stablehlo.compare LT, %[[X]], %[[Y]], TOTALORDER : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// CHECK-NEXT: %[[EQ:.+]] = stablehlo.compare EQ, %[[I]], %[[J]], UNSIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
// CHECK-NEXT: return %[[GT]], %[[LT]], %[[EQ]]
func.func @compare_with_and_without_type(%x: tensor<4xf32>, %y: tensor<4xf32>, %i: tensor<4xi32>, %j: tensor<4xi32>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = stablehlo.compare GT, %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = stablehlo.compare LT, %x, %y, TOTALORDER : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %2 = stablehlo.compare EQ, %i, %j, UNSIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

/// select and clamp keep their three operands in order.
// STATS: @select_and_clamp: optimized
// CHECK-LABEL: @select_and_clamp
// CHECK-SAME: (%[[P:[^:]+]]: tensor<4xi1>, %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[S:.+]] = stablehlo.select %[[P]], %[[X]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT: %[[C:.+]] = stablehlo.clamp %[[Y]], %[[S]], %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[C]]
func.func @select_and_clamp(%p: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.select %p, %x, %y : tensor<4xi1>, tensor<4xf32>
  %1 = stablehlo.clamp %y, %0, %x : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// clamp with scalar bounds (min and max of rank 0) keeps the operand types.
// STATS: @clamp_scalar_bounds: optimized
// CHECK-LABEL: @clamp_scalar_bounds
// CHECK-SAME: (%[[LO:[^:]+]]: tensor<f32>, %[[X:[^:]+]]: tensor<4xf32>, %[[HI:[^:]+]]: tensor<f32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.clamp %[[LO]], %[[X]], %[[HI]] : (tensor<f32>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[C]]
func.func @clamp_scalar_bounds(%lo: tensor<f32>, %x: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  %0 = stablehlo.clamp %lo, %x, %hi : (tensor<f32>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
