// Rules of the `slice_concat` family (rules/slice_concat.py): slice, concatenate, pad, reverse
// and dynamic slicing merge, cancel, and move through elementwise ops. One function per rule,
// named after it. They only select or copy elements, so all are exact and run in strict mode.
//
// slice-sink-elementwise does not make the program cheaper on its own (XLA fuses the multiply
// into the slice either way): its function computes both sides, which become one value.
//
// DEFINE: %{rules} = slice-noop|slice-of-slice|slice-sink-elementwise|slice-sink-unary|concat-single|concat-of-concat|concat-of-adjacent-slices|slice-of-concat|pad-noop|pad-of-pad|reverse-of-reverse|dynamic-slice-full|dynamic-update-slice-full
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{rules}' | FileCheck %s

/// slice(x) -> x when the slice keeps the whole tensor.
// CHECK-LABEL: func.func @slice_noop(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x6xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4x6xf32>
func.func @slice_noop(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = stablehlo.slice %x [0:4, 0:6] : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

/// slice(slice(x, [2, 1]), [1:3, 2:5]) -> slice(x, [3:5, 3:6]) (unit strides).
// CHECK-LABEL: func.func @slice_of_slice(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<8x6xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.slice %[[X]] [3:5, 3:6] : (tensor<8x6xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    return %[[S]]
func.func @slice_of_slice(%x: tensor<8x6xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.slice %x [2:7, 1:6] : (tensor<8x6xf32>) -> tensor<5x5xf32>
  %1 = stablehlo.slice %0 [1:3, 2:5] : (tensor<5x5xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

/// slice(multiply(x, y)) -> multiply(slice(x), slice(y)): computes only what is kept.
// CHECK-LABEL: func.func @slice_sink_elementwise(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<8xf32>, %[[Y:[^:]+]]: tensor<8xf32>)
// CHECK-NEXT:    %[[A:.+]] = stablehlo.slice %[[X]] [2:5]
// CHECK-NEXT:    %[[B:.+]] = stablehlo.slice %[[Y]] [2:5]
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[A]], %[[B]] : tensor<3xf32>
// CHECK-NEXT:    return %[[P]], %[[P]]
func.func @slice_sink_elementwise(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = stablehlo.multiply %x, %y : tensor<8xf32>
  %1 = stablehlo.slice %0 [2:5] : (tensor<8xf32>) -> tensor<3xf32>
  %2 = stablehlo.slice %x [2:5] : (tensor<8xf32>) -> tensor<3xf32>
  %3 = stablehlo.slice %y [2:5] : (tensor<8xf32>) -> tensor<3xf32>
  %4 = stablehlo.multiply %2, %3 : tensor<3xf32>
  return %1, %4 : tensor<3xf32>, tensor<3xf32>
}

// -----

/// slice(exponential(x)) -> exponential(slice(x)): 3 exponentials instead of 8.
// CHECK-LABEL: func.func @slice_sink_unary(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<8xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.slice %[[X]] [2:5] : (tensor<8xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[E:.+]] = stablehlo.exponential %[[S]] : tensor<3xf32>
// CHECK-NEXT:    return %[[E]]
func.func @slice_sink_unary(%x: tensor<8xf32>) -> tensor<3xf32> {
  %0 = stablehlo.exponential %x : tensor<8xf32>
  %1 = stablehlo.slice %0 [2:5] : (tensor<8xf32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

/// concatenate(x) -> x.
// CHECK-LABEL: func.func @concat_single(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @concat_single(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.concatenate %x, dim = 0 : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// concatenate(concatenate(x, y), z) -> concatenate(x, y, z) along the same axis.
// CHECK-LABEL: func.func @concat_of_concat(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2xf32>, %[[Y:[^:]+]]: tensor<3xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.concatenate %[[X]], %[[Y]], %[[Z]], dim = 0 : (tensor<2xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<9xf32>
// CHECK-NEXT:    return %[[C]]
func.func @concat_of_concat(%x: tensor<2xf32>, %y: tensor<3xf32>, %z: tensor<4xf32>) -> tensor<9xf32> {
  %0 = stablehlo.concatenate %x, %y, dim = 0 : (tensor<2xf32>, tensor<3xf32>) -> tensor<5xf32>
  %1 = stablehlo.concatenate %0, %z, dim = 0 : (tensor<5xf32>, tensor<4xf32>) -> tensor<9xf32>
  return %1 : tensor<9xf32>
}

// -----

/// concatenate(slice(x, [.., 1:3]), slice(x, [.., 3:6]), dim=1) -> slice(x, [.., 1:6]): the second
/// slice starts where the first ends and both cover the same rows.
// CHECK-LABEL: func.func @concat_of_adjacent_slices(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.slice %[[X]] [0:4, 1:6] : (tensor<4x8xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    return %[[S]]
func.func @concat_of_adjacent_slices(%x: tensor<4x8xf32>) -> tensor<4x5xf32> {
  %0 = stablehlo.slice %x [0:4, 1:3] : (tensor<4x8xf32>) -> tensor<4x2xf32>
  %1 = stablehlo.slice %x [0:4, 3:6] : (tensor<4x8xf32>) -> tensor<4x3xf32>
  %2 = stablehlo.concatenate %0, %1, dim = 1 : (tensor<4x2xf32>, tensor<4x3xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// -----

/// slice(concatenate(x, y), a, b) -> slice(x, a, b) when [a, b) lies in x along the axis.
// CHECK-LABEL: func.func @slice_of_concat(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3x4xf32>, %[[Y:[^:]+]]: tensor<5x4xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.slice %[[X]] [0:2, 0:4] : (tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @slice_of_concat(%x: tensor<3x4xf32>, %y: tensor<5x4xf32>) -> tensor<2x4xf32> {
  %0 = stablehlo.concatenate %x, %y, dim = 0 : (tensor<3x4xf32>, tensor<5x4xf32>) -> tensor<8x4xf32>
  %1 = stablehlo.slice %0 [0:2, 0:4] : (tensor<8x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

/// ... and -> slice(y, a - 3, b - 3) when it lies in y (3 is x's extent along the axis).
// CHECK-LABEL: func.func @slice_of_concat_second(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3x4xf32>, %[[Y:[^:]+]]: tensor<5x4xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.slice %[[Y]] [1:3, 1:3] : (tensor<5x4xf32>) -> tensor<2x2xf32>
// CHECK-NEXT:    return %[[S]]
func.func @slice_of_concat_second(%x: tensor<3x4xf32>, %y: tensor<5x4xf32>) -> tensor<2x2xf32> {
  %0 = stablehlo.concatenate %x, %y, dim = 0 : (tensor<3x4xf32>, tensor<5x4xf32>) -> tensor<8x4xf32>
  %1 = stablehlo.slice %0 [4:6, 1:3] : (tensor<8x4xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

/// pad(x, v, low = 0, high = 0, interior = 0) -> x.
// CHECK-LABEL: func.func @pad_noop(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x6xf32>, %{{[^:]+}}: tensor<f32>)
// CHECK-NEXT:    return %[[X]] : tensor<4x6xf32>
func.func @pad_noop(%x: tensor<4x6xf32>, %v: tensor<f32>) -> tensor<4x6xf32> {
  %0 = stablehlo.pad %x, %v, low = [0, 0], high = [0, 0], interior = [0, 0] : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

/// pad(pad(x, v, lo2, hi2), v, lo, hi) -> pad(x, v, lo2 + lo, hi2 + hi): same padding value, no
/// interior and no negative (cropping) padding.
// CHECK-LABEL: func.func @pad_of_pad(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x6xf32>, %[[V:[^:]+]]: tensor<f32>)
// CHECK-NEXT:    %[[P:.+]] = stablehlo.pad %[[X]], %[[V]], low = [3, 1], high = [0, 2], interior = [0, 0] : (tensor<4x6xf32>, tensor<f32>) -> tensor<7x9xf32>
// CHECK-NEXT:    return %[[P]]
func.func @pad_of_pad(%x: tensor<4x6xf32>, %v: tensor<f32>) -> tensor<7x9xf32> {
  %0 = stablehlo.pad %x, %v, low = [1, 0], high = [0, 2], interior = [0, 0] : (tensor<4x6xf32>, tensor<f32>) -> tensor<5x8xf32>
  %1 = stablehlo.pad %0, %v, low = [2, 1], high = [0, 0], interior = [0, 0] : (tensor<5x8xf32>, tensor<f32>) -> tensor<7x9xf32>
  return %1 : tensor<7x9xf32>
}

// -----

/// reverse(reverse(x, d), d) -> x.
// CHECK-LABEL: func.func @reverse_of_reverse(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x6xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4x6xf32>
func.func @reverse_of_reverse(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = stablehlo.reverse %x, dims = [1] : tensor<4x6xf32>
  %1 = stablehlo.reverse %0, dims = [1] : tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

/// dynamic_slice(x, i, j, sizes = shape of x) -> x: start indices are clamped, so a full-size
/// slice always starts at 0.
// CHECK-LABEL: func.func @dynamic_slice_full(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4x6xf32>, %{{[^:]+}}: tensor<i32>, %{{[^:]+}}: tensor<i32>)
// CHECK-NEXT:    return %[[X]] : tensor<4x6xf32>
func.func @dynamic_slice_full(%x: tensor<4x6xf32>, %i: tensor<i32>, %j: tensor<i32>) -> tensor<4x6xf32> {
  %0 = stablehlo.dynamic_slice %x, %i, %j, sizes = [4, 6] : (tensor<4x6xf32>, tensor<i32>, tensor<i32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

/// dynamic_update_slice(x, u, i, j) -> u when u covers all of x.
// CHECK-LABEL: func.func @dynamic_update_slice_full(
// CHECK-SAME:    %{{[^:]+}}: tensor<4x6xf32>, %[[U:[^:]+]]: tensor<4x6xf32>, %{{[^:]+}}: tensor<i32>, %{{[^:]+}}: tensor<i32>)
// CHECK-NEXT:    return %[[U]] : tensor<4x6xf32>
func.func @dynamic_update_slice_full(%x: tensor<4x6xf32>, %u: tensor<4x6xf32>, %i: tensor<i32>, %j: tensor<i32>) -> tensor<4x6xf32> {
  %0 = stablehlo.dynamic_update_slice %x, %u, %i, %j : (tensor<4x6xf32>, tensor<4x6xf32>, tensor<i32>, tensor<i32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}
