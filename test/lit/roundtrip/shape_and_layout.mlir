// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// broadcast_in_dim, reshape and transpose keep their dimension attributes.
// STATS: @broadcast_reshape_transpose: optimized
// CHECK-LABEL: @broadcast_reshape_transpose
// CHECK-SAME: (%[[X:.+]]: tensor<3xf32>)
// CHECK-NEXT: %[[B:.+]] = stablehlo.broadcast_in_dim %[[X]], dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %[[R:.+]] = stablehlo.reshape %[[B]] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT: %[[T:.+]] = stablehlo.transpose %[[R]], dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @broadcast_reshape_transpose(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = stablehlo.transpose %1, dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

/// A rank-3 transpose that the placeholder rule does not touch keeps its permutation.
// STATS: @transpose_rank3: optimized
// CHECK-LABEL: @transpose_rank3
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.+]] = stablehlo.transpose %[[X]], dims = [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_rank3(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = stablehlo.transpose %x, dims = [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

/// dot_general keeps batching and contracting dimensions, and precision_config (which
/// travels in the side table).
// STATS: @dot_general_batched_with_precision: optimized
// CHECK-LABEL: @dot_general_batched_with_precision
// CHECK-SAME: (%[[A:.+]]: tensor<8x2x3xf32>, %[[B:.+]]: tensor<8x3x5xf32>)
// CHECK-NEXT: %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [HIGHEST, DEFAULT] : (tensor<8x2x3xf32>, tensor<8x3x5xf32>) -> tensor<8x2x5xf32>
// CHECK-NEXT: return %[[D]]
func.func @dot_general_batched_with_precision(%a: tensor<8x2x3xf32>, %b: tensor<8x3x5xf32>) -> tensor<8x2x5xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1],
         precision = [HIGHEST, DEFAULT] : (tensor<8x2x3xf32>, tensor<8x3x5xf32>) -> tensor<8x2x5xf32>
  return %0 : tensor<8x2x5xf32>
}

// -----

/// A plain matmul (no batching dimensions) with a mixed-precision result type.
// STATS: @dot_general_matmul: optimized
// CHECK-LABEL: @dot_general_matmul
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xbf16>, %[[B:.+]]: tensor<3x5xbf16>)
// CHECK-NEXT: %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0] : (tensor<2x3xbf16>, tensor<3x5xbf16>) -> tensor<2x5xf32>
// CHECK-NEXT: return %[[D]]
func.func @dot_general_matmul(%a: tensor<2x3xbf16>, %b: tensor<3x5xbf16>) -> tensor<2x5xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<2x3xbf16>, tensor<3x5xbf16>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

/// slice keeps start, limit and strides; reverse keeps its dimensions.
// STATS: @slice_and_reverse: optimized
// CHECK-LABEL: @slice_and_reverse
// CHECK-SAME: (%[[X:.+]]: tensor<8x6xf32>)
// CHECK-NEXT: %[[S:.+]] = stablehlo.slice %[[X]] [1:7:2, 0:6:3] : (tensor<8x6xf32>) -> tensor<3x2xf32>
// CHECK-NEXT: %[[R:.+]] = stablehlo.reverse %[[S]], dims = [0, 1] : tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @slice_and_reverse(%x: tensor<8x6xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.slice %x [1:7:2, 0:6:3] : (tensor<8x6xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.reverse %0, dims = [0, 1] : tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

/// dynamic_slice and dynamic_update_slice keep their index operands in order and the sizes.
// STATS: @dynamic_slice_and_update: optimized
// CHECK-LABEL: @dynamic_slice_and_update
// CHECK-SAME: (%[[X:[^:]+]]: tensor<8x6xf32>, %[[U:[^:]+]]: tensor<2x3xf32>, %[[I:[^:]+]]: tensor<i32>, %[[J:[^:]+]]: tensor<i32>)
// CHECK-NEXT: %[[S:.+]] = stablehlo.dynamic_slice %[[X]], %[[I]], %[[J]], sizes = [2, 3] : (tensor<8x6xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
// CHECK-NEXT: %[[A:.+]] = stablehlo.add %[[S]], %[[U]]
// CHECK-NEXT: %[[D:.+]] = stablehlo.dynamic_update_slice %[[X]], %[[A]], %[[J]], %[[I]] : (tensor<8x6xf32>, tensor<2x3xf32>, tensor<i32>, tensor<i32>) -> tensor<8x6xf32>
// CHECK-NEXT: return %[[D]]
func.func @dynamic_slice_and_update(%x: tensor<8x6xf32>, %u: tensor<2x3xf32>, %i: tensor<i32>, %j: tensor<i32>) -> tensor<8x6xf32> {
  %0 = stablehlo.dynamic_slice %x, %i, %j, sizes = [2, 3] : (tensor<8x6xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
  %1 = stablehlo.add %0, %u : tensor<2x3xf32>
  %2 = stablehlo.dynamic_update_slice %x, %1, %j, %i : (tensor<8x6xf32>, tensor<2x3xf32>, tensor<i32>, tensor<i32>) -> tensor<8x6xf32>
  return %2 : tensor<8x6xf32>
}

// -----

/// concatenate keeps its operand order (a repeated operand included) and its dimension.
// STATS: @concatenate_roundtrip: optimized
// CHECK-LABEL: @concatenate_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x1xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.concatenate %[[Y]], %[[X]], %[[Y]], dim = 1 : (tensor<2x1xf32>, tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
// CHECK-NEXT: return %[[C]]
func.func @concatenate_roundtrip(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>) -> tensor<2x5xf32> {
  %0 = stablehlo.concatenate %y, %x, %y, dim = 1 : (tensor<2x1xf32>, tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

/// pad keeps low, high and interior padding (negative padding included).
// STATS: @pad_roundtrip: optimized
// CHECK-LABEL: @pad_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[V:.+]]: tensor<f32>)
// CHECK-NEXT: %[[P:.+]] = stablehlo.pad %[[X]], %[[V]], low = [1, -1], high = [0, 2], interior = [1, 0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<4x4xf32>
// CHECK-NEXT: return %[[P]]
func.func @pad_roundtrip(%x: tensor<2x3xf32>, %v: tensor<f32>) -> tensor<4x4xf32> {
  %0 = stablehlo.pad %x, %v, low = [1, -1], high = [0, 2], interior = [1, 0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

/// tuple and get_tuple_element (tuple-typed values travel as `OT` types).
// STATS: @tuple_and_get_tuple_element: optimized
// CHECK-LABEL: @tuple_and_get_tuple_element
// CHECK-SAME: (%[[X:.+]]: tensor<2xf32>, %[[Y:.+]]: tensor<i32>)
// CHECK-NEXT: %[[T:.+]] = stablehlo.tuple %[[X]], %[[Y]] : tuple<tensor<2xf32>, tensor<i32>>
// CHECK-NEXT: %[[E:.+]] = stablehlo.get_tuple_element %[[T]][1] : (tuple<tensor<2xf32>, tensor<i32>>) -> tensor<i32>
// CHECK-NEXT: return %[[T]], %[[E]]
func.func @tuple_and_get_tuple_element(%x: tensor<2xf32>, %y: tensor<i32>) -> (tuple<tensor<2xf32>, tensor<i32>>, tensor<i32>) {
  %0 = stablehlo.tuple %x, %y : tuple<tensor<2xf32>, tensor<i32>>
  %1 = stablehlo.get_tuple_element %0[1] : (tuple<tensor<2xf32>, tensor<i32>>) -> tensor<i32>
  return %0, %1 : tuple<tensor<2xf32>, tensor<i32>>, tensor<i32>
}
