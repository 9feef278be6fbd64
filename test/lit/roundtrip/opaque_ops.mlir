// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// Ops without a typed constructor are opaque nodes: they come back with their attributes,
/// regions and types intact.

// STATS: @gather_rows: optimized
// CHECK-LABEL: @gather_rows
// CHECK-SAME: (%[[OP:[^:]+]]: tensor<5x4xf32>, %[[IDX:[^:]+]]: tensor<3x1xi32>)
// CHECK-NEXT: %[[G:.+]] = "stablehlo.gather"(%[[OP]], %[[IDX]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 4>}> : (tensor<5x4xf32>, tensor<3x1xi32>) -> tensor<3x4xf32>
// CHECK-NEXT: return %[[G]]
func.func @gather_rows(%operand: tensor<5x4xf32>, %idx: tensor<3x1xi32>) -> tensor<3x4xf32> {
  %0 = "stablehlo.gather"(%operand, %idx) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 4>}> : (tensor<5x4xf32>, tensor<3x1xi32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// STATS: @scatter_add: optimized
// CHECK-LABEL: @scatter_add
// CHECK-SAME: (%[[OP:[^:]+]]: tensor<5xf32>, %[[IDX:[^:]+]]: tensor<2x1xi32>, %[[UPD:[^:]+]]: tensor<2xf32>)
// CHECK-NEXT: %[[S:.+]] = "stablehlo.scatter"(%[[OP]], %[[IDX]], %[[UPD]]) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: tensor<f32>, %[[B:[^:]+]]: tensor<f32>):
// CHECK-NEXT: %[[SUM:.+]] = stablehlo.add %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT: stablehlo.return %[[SUM]] : tensor<f32>
// CHECK-NEXT: }) : (tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<5xf32>
// CHECK-NEXT: return %[[S]]
func.func @scatter_add(%operand: tensor<5xf32>, %idx: tensor<2x1xi32>, %upd: tensor<2xf32>) -> tensor<5xf32> {
  %0 = "stablehlo.scatter"(%operand, %idx, %upd) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// STATS: @reduce_window_max: optimized
// CHECK-LABEL: @reduce_window_max
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x6xf32>, %[[INIT:[^:]+]]: tensor<f32>)
// CHECK-NEXT: %[[R:.+]] = "stablehlo.reduce_window"(%[[X]], %[[INIT]]) <{window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>}> ({
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: tensor<f32>, %[[B:[^:]+]]: tensor<f32>):
// CHECK-NEXT: %[[M:.+]] = stablehlo.maximum %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT: stablehlo.return %[[M]] : tensor<f32>
// CHECK-NEXT: }) : (tensor<4x6xf32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_window_max(%x: tensor<4x6xf32>, %init: tensor<f32>) -> tensor<2x3xf32> {
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<4x6xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// STATS: @convolution_2d: optimized
// CHECK-LABEL: @convolution_2d
// CHECK-SAME: (%[[IN:[^:]+]]: tensor<1x8x8x3xf32>, %[[K:[^:]+]]: tensor<3x3x3x16xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[IN]], %[[K]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = {{\[\[}}0, 0], [0, 0]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x3xf32>, tensor<3x3x3x16xf32>) -> tensor<1x6x6x16xf32>
// CHECK-NEXT: return %[[C]]
func.func @convolution_2d(%in: tensor<1x8x8x3xf32>, %k: tensor<3x3x3x16xf32>) -> tensor<1x6x6x16xf32> {
  %0 = stablehlo.convolution(%in, %k) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x3xf32>, tensor<3x3x3x16xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

/// Two side-effecting custom calls with the same operand are not merged and keep their order
/// (they are threaded on an effect chain).
// STATS: @side_effecting_custom_calls_keep_order: optimized
// CHECK-LABEL: @side_effecting_custom_calls_keep_order
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.+]] = stablehlo.custom_call @first(%[[X]]) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[B:.+]] = stablehlo.custom_call @second(%[[X]]) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[S:.+]] = stablehlo.add %[[B]], %[[A]]
// CHECK-NEXT: return %[[S]]
func.func @side_effecting_custom_calls_keep_order(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.custom_call @first(%x) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.custom_call @second(%x) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = stablehlo.add %1, %0 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// The same side-effecting custom call twice is two calls, not one.
// STATS: @identical_side_effecting_calls_not_merged: optimized
// CHECK-LABEL: @identical_side_effecting_calls_not_merged
// CHECK-COUNT-2: stablehlo.custom_call @log_value
// CHECK-NOT: stablehlo.custom_call
// CHECK: return
func.func @identical_side_effecting_calls_not_merged(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.custom_call @log_value(%x) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.custom_call @log_value(%x) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// STATS: @rng_uniform: optimized
// CHECK-LABEL: @rng_uniform
// CHECK-SAME: (%[[LO:[^:]+]]: tensor<f32>, %[[HI:[^:]+]]: tensor<f32>)
// CHECK-NEXT: %[[SHAPE:.+]] = stablehlo.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-NEXT: %[[R:.+]] = stablehlo.rng %[[LO]], %[[HI]], %[[SHAPE]], distribution = UNIFORM : (tensor<f32>, tensor<f32>, tensor<2xi64>) -> tensor<3x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @rng_uniform(%lo: tensor<f32>, %hi: tensor<f32>) -> tensor<3x4xf32> {
  %shape = stablehlo.constant dense<[3, 4]> : tensor<2xi64>
  %0 = stablehlo.rng %lo, %hi, %shape, distribution = UNIFORM : (tensor<f32>, tensor<f32>, tensor<2xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
