// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict' | FileCheck %s

/// Convolutions are typed terms (`Conv`): window strides, padding, dilations, reversal, dimension
/// numbers, group counts and precision are egglog literals (anything else rides in `extra`).
/// Attributes absent in the input stay absent (`window = {}`), explicit defaults stay explicit,
/// and `--fp-mode=strict` enables no convolution rewrite (they reassociate sums).

// CHECK-LABEL: @nhwc_same
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x8x8x16xf32>, %[[W:[^:]+]]: tensor<3x3x16x32xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = {{\[\[}}1, 1], [1, 1]], lhs_dilate = [1, 1], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x8x8x16xf32>, tensor<3x3x16x32xf32>) -> tensor<2x8x8x32xf32>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_same(%x: tensor<2x8x8x16xf32>, %w: tensor<3x3x16x32xf32>) -> tensor<2x8x8x32xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], lhs_dilate = [1, 1], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x8x8x16xf32>, tensor<3x3x16x32xf32>) -> tensor<2x8x8x32xf32>
  return %0 : tensor<2x8x8x32xf32>
}

// -----

// CHECK-LABEL: @nhwc_strided
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x9x9x4xf32>, %[[W:[^:]+]]: tensor<3x3x4x8xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x9x9x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_strided(%x: tensor<1x9x9x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x9x9x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// CHECK-LABEL: @nhwc_rhs_dilated
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x9x9x4xf32>, %[[W:[^:]+]]: tensor<3x3x4x8xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {rhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x9x9x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x5x5x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_rhs_dilated(%x: tensor<1x9x9x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<1x5x5x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {rhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x9x9x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x5x5x8xf32>
  return %0 : tensor<1x5x5x8xf32>
}

// -----

// CHECK-LABEL: @nhwc_grouped
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x6x6x8xf32>, %[[W:[^:]+]]: tensor<3x3x2x8xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = {{\[\[}}1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 4 : i64} : (tensor<1x6x6x8xf32>, tensor<3x3x2x8xf32>) -> tensor<1x6x6x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_grouped(%x: tensor<1x6x6x8xf32>, %w: tensor<3x3x2x8xf32>) -> tensor<1x6x6x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 4 : i64} : (tensor<1x6x6x8xf32>, tensor<3x3x2x8xf32>) -> tensor<1x6x6x8xf32>
  return %0 : tensor<1x6x6x8xf32>
}

// -----

// CHECK-LABEL: @nhwc_depthwise
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x7x7x16xbf16>, %[[W:[^:]+]]: tensor<3x3x1x16xbf16>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = {{\[\[}}1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 16 : i64} : (tensor<2x7x7x16xbf16>, tensor<3x3x1x16xbf16>) -> tensor<2x7x7x16xbf16>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_depthwise(%x: tensor<2x7x7x16xbf16>, %w: tensor<3x3x1x16xbf16>) -> tensor<2x7x7x16xbf16> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 16 : i64} : (tensor<2x7x7x16xbf16>, tensor<3x3x1x16xbf16>) -> tensor<2x7x7x16xbf16>
  return %0 : tensor<2x7x7x16xbf16>
}

// -----

// CHECK-LABEL: @nhwc_transposed
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x4x4x8xf32>, %[[W:[^:]+]]: tensor<3x3x8x4xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = {{\[\[}}1, 2], [1, 2]], lhs_dilate = [2, 2], reverse = [true, true]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64, precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision DEFAULT>]} : (tensor<1x4x4x8xf32>, tensor<3x3x8x4xf32>) -> tensor<1x8x8x4xf32>
// CHECK-NEXT: return %[[C]]
func.func @nhwc_transposed(%x: tensor<1x4x4x8xf32>, %w: tensor<3x3x8x4xf32>) -> tensor<1x8x8x4xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = [[1, 2], [1, 2]], lhs_dilate = [2, 2], reverse = [true, true]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64, precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision DEFAULT>]} : (tensor<1x4x4x8xf32>, tensor<3x3x8x4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

// CHECK-LABEL: @nchw_oihw
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3x9x10xf32>, %[[W:[^:]+]]: tensor<5x3x4x3xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x9x10xf32>, tensor<5x3x4x3xf32>) -> tensor<2x5x6x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @nchw_oihw(%x: tensor<2x3x9x10xf32>, %w: tensor<5x3x4x3xf32>) -> tensor<2x5x6x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x9x10xf32>, tensor<5x3x4x3xf32>) -> tensor<2x5x6x8xf32>
  return %0 : tensor<2x5x6x8xf32>
}

// -----

// CHECK-LABEL: @batch_grouped
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x5x5x3xf32>, %[[W:[^:]+]]: tensor<3x3x3x4xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {} {batch_group_count = 4 : i64, feature_group_count = 1 : i64} : (tensor<4x5x5x3xf32>, tensor<3x3x3x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK-NEXT: return %[[C]]
func.func @batch_grouped(%x: tensor<4x5x5x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {} {batch_group_count = 4 : i64, feature_group_count = 1 : i64} : (tensor<4x5x5x3xf32>, tensor<3x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %0 : tensor<1x3x3x4xf32>
}

// -----

// CHECK-LABEL: @conv1d
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x28x1xf32>, %[[W:[^:]+]]: tensor<3x1x16xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {pad = {{\[\[}}1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x28x1xf32>, tensor<3x1x16xf32>) -> tensor<1x28x16xf32>
// CHECK-NEXT: return %[[C]]
func.func @conv1d(%x: tensor<1x28x1xf32>, %w: tensor<3x1x16xf32>) -> tensor<1x28x16xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {pad = [[1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x28x1xf32>, tensor<3x1x16xf32>) -> tensor<1x28x16xf32>
  return %0 : tensor<1x28x16xf32>
}

// -----

// CHECK-LABEL: @jax_style
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x4x4x3xf32>, %[[W:[^:]+]]: tensor<3x3x3x8xf32>)
// CHECK-NEXT: %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = {{\[\[}}1, 1], [1, 1]], lhs_dilate = [1, 1], rhs_dilate = [1, 1], reverse = [false, false]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]} : (tensor<1x4x4x3xf32>, tensor<3x3x3x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @jax_style(%x: tensor<1x4x4x3xf32>, %w: tensor<3x3x3x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], lhs_dilate = [1, 1], rhs_dilate = [1, 1], reverse = [false, false]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]} : (tensor<1x4x4x3xf32>, tensor<3x3x3x8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}
