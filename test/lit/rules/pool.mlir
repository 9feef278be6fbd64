// Rules of the `pool` family (rules/pool.py), one function per rule and case, named after it.
// Pooling as slices: `reduce_window` with a one-op body becomes the padded
// input's strided window slices combined by that op, starting from the init value. Maximum and
// minimum select values (`reduce-window-to-slices-exact`, every mode); a sum regroups
// (`reduce-window-to-slices`, xla and fast). Proposed only in functions with a convolution,
// where measured costs (off here, for a deterministic test) and whole-function timing decide
// (`test/python/test_pool_rules.py` shows a pooling without one left alone).
//
// DEFINE: %{rules} = reduce-window-to-slices-exact|reduce-window-to-slices
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=%{rules}' | FileCheck %s --check-prefixes=CHECK,STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=%{rules}' | FileCheck %s --check-prefixes=CHECK,XLA

/// A 3x3 stride-2 max-pool with SAME padding after a convolution: the input padded with -inf,
/// nine stride-2 slices, their maximum (from the init value), in every mode.
// CHECK-LABEL:  func.func @reduce_window_to_slices_exact_max_pool(
// CHECK:          %[[C:.+]] = stablehlo.convolution
// CHECK:          %[[NEG_INF:.+]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-NOT:      reduce_window
// CHECK:          %[[P:.+]] = stablehlo.pad %[[C]], %[[NEG_INF]], low = [0, 1, 1, 0], high = [0, 1, 1, 0], interior = [0, 0, 0, 0] : (tensor<1x8x8x4xf32>, tensor<f32>) -> tensor<1x10x10x4xf32>
// CHECK:          %[[S0:.+]] = stablehlo.slice %[[P]] [0:1, 0:7:2, 0:7:2, 0:4]
// CHECK:          stablehlo.maximum %{{.+}}, %[[S0]]
// CHECK-COUNT-8:  stablehlo.slice %[[P]]
// CHECK-NOT:      reduce_window
// CHECK:          return
func.func @reduce_window_to_slices_exact_max_pool(%x: tensor<1x8x8x4xf32>, %w: tensor<1x1x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %c = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %p = "stablehlo.reduce_window"(%c, %init) <{padding = dense<[[0, 0], [1, 1], [1, 1], [0, 0]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 3, 3, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x8x8x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

/// A 2x2 stride-2 sum-pool (an average pool's sum) in NCHW: four slices added, in xla mode only.
// CHECK-LABEL:  func.func @reduce_window_to_slices_sum_pool_nchw(
// STRICT:         stablehlo.reduce_window
// XLA-NOT:        reduce_window
// XLA:            stablehlo.slice %{{.+}} [0:1, 0:4, 0:7:2, 0:7:2]
// XLA-COUNT-3:    stablehlo.slice
// XLA-NOT:        reduce_window
// CHECK:          return
func.func @reduce_window_to_slices_sum_pool_nchw(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  %c = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %p = "stablehlo.reduce_window"(%c, %zero) <{window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

