// Rules of the `conv` family (rules/conv.py): a convolution as other algorithms (a dot, im2col,
// a sum over kernel taps), computed in Python and put next to the convolution in the e-graph.
// One function per rule, named after it.
//
// Every rule sums the same products in another order (`reassoc`); XLA picks its own
// convolution algorithm the same way, so --fp-mode=xla allows them, and strict mode leaves every
// function as it is (STRICT). Whether an alternative is faster than the convolution is a
// measurement on the machine at hand; these tests use the analytical model (measure=off), under
// which most alternatives cost about what the convolution costs. So each function also
// computes the alternative itself: once the rule fires, both results are one value. Each rule
// runs alone (its own RUN line and prefix), since several of them apply to one convolution.
//
// DEFINE: %{conv} = conv-1x1-to-dot|conv-to-im2col|conv-to-tap-sum|depthwise-conv-to-taps|grouped-conv-to-batched-dot|grouped-conv-to-taps|conv-drop-padding-taps|conv-fold-scale|conv-transpose-to-phases|dilated-conv-to-space-to-batch|conv-patches-to-dot
// DEFINE: %{opt} = stablehlo-eqsat-opt %s --split-input-file
//
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=%{conv}' | FileCheck %s --check-prefix=STRICT
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-1x1-to-dot' | FileCheck %s --check-prefix=TO-DOT
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-to-im2col' | FileCheck %s --check-prefix=IM2COL
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-to-tap-sum' | FileCheck %s --check-prefix=TAP-SUM
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=depthwise-conv-to-taps' | FileCheck %s --check-prefix=DEPTHWISE
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=grouped-conv-to-batched-dot' | FileCheck %s --check-prefix=GROUPED
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=grouped-conv-to-taps' | FileCheck %s --check-prefix=GROUPED-TAPS
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-drop-padding-taps' | FileCheck %s --check-prefix=DROP-TAPS
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-fold-scale' | FileCheck %s --check-prefix=FOLD-SCALE
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-transpose-to-phases' | FileCheck %s --check-prefix=PHASES
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=dilated-conv-to-space-to-batch' | FileCheck %s --check-prefix=SPACE-TO-BATCH
// RUN: %{opt} '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=conv-patches-to-dot' | FileCheck %s --check-prefix=PATCHES

/// convolution(x, w) with a 1x1 kernel, stride 1, no padding -> dot_general(x, reshape(w))
/// contracting the input features. Under the analytical cost model (measure=off) the two cost
/// the same, so the function computes both; the rule makes them one value.
// STRICT-LABEL: func.func @conv_1x1_to_dot(
// STRICT:         stablehlo.convolution
// STRICT:         stablehlo.dot_general
// TO-DOT-LABEL: func.func @conv_1x1_to_dot(
// TO-DOT-SAME:    %[[X:[^:]+]]: tensor<1x4x4x8xf32>, %[[W:[^:]+]]: tensor<1x1x8x16xf32>)
// TO-DOT-NEXT:    %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]])
// TO-DOT-NEXT:    return %[[C]], %[[C]]
func.func @conv_1x1_to_dot(%x: tensor<1x4x4x8xf32>, %w: tensor<1x1x8x16xf32>) -> (tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x4x8xf32>, tensor<1x1x8x16xf32>) -> tensor<1x4x4x16xf32>
  %1 = stablehlo.reshape %w : (tensor<1x1x8x16xf32>) -> tensor<8x16xf32>
  %2 = stablehlo.dot_general %x, %1, contracting_dims = [3] x [0] : (tensor<1x4x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x4x16xf32>
  return %0, %2 : tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>
}

// -----

/// convolution(x, w) -> dot_general(concatenate(windows of x, one per kernel tap),
/// concatenate(the taps' weight matrices)) (im2col). Here a 2x1 kernel: two windows of x
/// stacked along a new axis in front of the features and flattened into them (XLA fuses that
/// concatenate; one along the features it does not), against the two taps' 4x4 weights
/// stacked, which for a [spatial..., in, out] kernel is the kernel reshaped (no copy).
// STRICT-LABEL:  func.func @conv_to_im2col(
// STRICT:          stablehlo.convolution
// STRICT:          stablehlo.dot_general
// IM2COL-LABEL:  func.func @conv_to_im2col(
// IM2COL-SAME:     %[[X:[^:]+]]: tensor<1x2x2x4xf32>, %[[W:[^:]+]]: tensor<2x1x4x4xf32>)
// IM2COL-NEXT:     %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]])
// IM2COL-NEXT:     return %[[C]], %[[C]]
func.func @conv_to_im2col(%x: tensor<1x2x2x4xf32>, %w: tensor<2x1x4x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x2x4xf32>, tensor<2x1x4x4xf32>) -> tensor<1x1x2x4xf32>
  %x0 = stablehlo.slice %x [0:1, 0:1, 0:2, 0:4] : (tensor<1x2x2x4xf32>) -> tensor<1x1x2x4xf32>
  %x1 = stablehlo.slice %x [0:1, 1:2, 0:2, 0:4] : (tensor<1x2x2x4xf32>) -> tensor<1x1x2x4xf32>
  %u0 = stablehlo.reshape %x0 : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x1x4xf32>
  %u1 = stablehlo.reshape %x1 : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x1x4xf32>
  %xs = stablehlo.concatenate %u0, %u1, dim = 3 : (tensor<1x1x2x1x4xf32>, tensor<1x1x2x1x4xf32>) -> tensor<1x1x2x2x4xf32>
  %xc = stablehlo.reshape %xs : (tensor<1x1x2x2x4xf32>) -> tensor<1x1x2x8xf32>
  %wc = stablehlo.reshape %w : (tensor<2x1x4x4xf32>) -> tensor<8x4xf32>
  %1 = stablehlo.dot_general %xc, %wc, contracting_dims = [3] x [0] : (tensor<1x1x2x8xf32>, tensor<8x4xf32>) -> tensor<1x1x2x4xf32>
  return %0, %1 : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>
}

// -----

/// convolution(x, w) -> the sum over kernel taps k of dot_general(window_k(x), w_k).
// STRICT-LABEL:   func.func @conv_to_tap_sum(
// STRICT:           stablehlo.convolution
// STRICT:           stablehlo.add
// TAP-SUM-LABEL:  func.func @conv_to_tap_sum(
// TAP-SUM-SAME:     %[[X:[^:]+]]: tensor<1x2x2x4xf32>, %[[W:[^:]+]]: tensor<2x1x4x4xf32>)
// TAP-SUM-NEXT:     %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]])
// TAP-SUM-NEXT:     return %[[C]], %[[C]]
func.func @conv_to_tap_sum(%x: tensor<1x2x2x4xf32>, %w: tensor<2x1x4x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x2x4xf32>, tensor<2x1x4x4xf32>) -> tensor<1x1x2x4xf32>
  %x0 = stablehlo.slice %x [0:1, 0:1, 0:2, 0:4] : (tensor<1x2x2x4xf32>) -> tensor<1x1x2x4xf32>
  %w0 = stablehlo.slice %w [0:1, 0:1, 0:4, 0:4] : (tensor<2x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %w0m = stablehlo.reshape %w0 : (tensor<1x1x4x4xf32>) -> tensor<4x4xf32>
  %d0 = stablehlo.dot_general %x0, %w0m, contracting_dims = [3] x [0] : (tensor<1x1x2x4xf32>, tensor<4x4xf32>) -> tensor<1x1x2x4xf32>
  %x1 = stablehlo.slice %x [0:1, 1:2, 0:2, 0:4] : (tensor<1x2x2x4xf32>) -> tensor<1x1x2x4xf32>
  %w1 = stablehlo.slice %w [1:2, 0:1, 0:4, 0:4] : (tensor<2x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %w1m = stablehlo.reshape %w1 : (tensor<1x1x4x4xf32>) -> tensor<4x4xf32>
  %d1 = stablehlo.dot_general %x1, %w1m, contracting_dims = [3] x [0] : (tensor<1x1x2x4xf32>, tensor<4x4xf32>) -> tensor<1x1x2x4xf32>
  %1 = stablehlo.add %d0, %d1 : tensor<1x1x2x4xf32>
  return %0, %1 : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>
}

// -----

/// A depthwise convolution (feature_group_count = channels, one filter per channel) -> the sum
/// over kernel taps k of window_k(x) * broadcast(w_k): one loop fusion in XLA, which the cost
/// model prefers here, so the convolution disappears.
// STRICT-LABEL:     func.func @depthwise_conv_to_taps(
// STRICT:             stablehlo.convolution
// STRICT:             stablehlo.add
// DEPTHWISE-LABEL:  func.func @depthwise_conv_to_taps(
// DEPTHWISE-SAME:     %[[X:[^:]+]]: tensor<1x2x2x2xf32>, %[[W:[^:]+]]: tensor<2x1x1x2xf32>)
// DEPTHWISE-NEXT:     %[[X0:.+]] = stablehlo.slice %[[X]] [0:1, 0:1, 0:2, 0:2]
// DEPTHWISE-NEXT:     %[[W0:.+]] = stablehlo.slice %[[W]] [0:1, 0:1, 0:1, 0:2]
// DEPTHWISE-NEXT:     %[[V0:.+]] = stablehlo.reshape %[[W0]] : (tensor<1x1x1x2xf32>) -> tensor<2xf32>
// DEPTHWISE-NEXT:     %[[B0:.+]] = stablehlo.broadcast_in_dim %[[V0]], dims = [3]
// DEPTHWISE-NEXT:     %[[M0:.+]] = stablehlo.multiply %[[X0]], %[[B0]]
// DEPTHWISE-NEXT:     %[[X1:.+]] = stablehlo.slice %[[X]] [0:1, 1:2, 0:2, 0:2]
// DEPTHWISE-NEXT:     %[[W1:.+]] = stablehlo.slice %[[W]] [1:2, 0:1, 0:1, 0:2]
// DEPTHWISE-NEXT:     %[[V1:.+]] = stablehlo.reshape %[[W1]] : (tensor<1x1x1x2xf32>) -> tensor<2xf32>
// DEPTHWISE-NEXT:     %[[B1:.+]] = stablehlo.broadcast_in_dim %[[V1]], dims = [3]
// DEPTHWISE-NEXT:     %[[M1:.+]] = stablehlo.multiply %[[X1]], %[[B1]]
// DEPTHWISE-NEXT:     %[[S:.+]] = stablehlo.add %[[M0]], %[[M1]]
// DEPTHWISE-NEXT:     return %[[S]], %[[S]]
func.func @depthwise_conv_to_taps(%x: tensor<1x2x2x2xf32>, %w: tensor<2x1x1x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>) -> tensor<1x1x2x2xf32>
  %x0 = stablehlo.slice %x [0:1, 0:1, 0:2, 0:2] : (tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  %w0 = stablehlo.slice %w [0:1, 0:1, 0:1, 0:2] : (tensor<2x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %w0v = stablehlo.reshape %w0 : (tensor<1x1x1x2xf32>) -> tensor<2xf32>
  %w0b = stablehlo.broadcast_in_dim %w0v, dims = [3] : (tensor<2xf32>) -> tensor<1x1x2x2xf32>
  %m0 = stablehlo.multiply %x0, %w0b : tensor<1x1x2x2xf32>
  %x1 = stablehlo.slice %x [0:1, 1:2, 0:2, 0:2] : (tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  %w1 = stablehlo.slice %w [1:2, 0:1, 0:1, 0:2] : (tensor<2x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %w1v = stablehlo.reshape %w1 : (tensor<1x1x1x2xf32>) -> tensor<2xf32>
  %w1b = stablehlo.broadcast_in_dim %w1v, dims = [3] : (tensor<2xf32>) -> tensor<1x1x2x2xf32>
  %m1 = stablehlo.multiply %x1, %w1b : tensor<1x1x2x2xf32>
  %1 = stablehlo.add %m0, %m1 : tensor<1x1x2x2xf32>
  return %0, %1 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}

// -----

/// grouped convolution(x, w) (2 groups of 2 input features, 3 outputs each) -> one dot_general
/// batched over the groups: x split as [.., taps, groups, in/group], the kernel as
/// [taps, in/group, groups, out/group]; the groups' results put back side by side.
// STRICT-LABEL:    func.func @grouped_conv_to_batched_dot(
// STRICT:            stablehlo.convolution
// STRICT:            stablehlo.dot_general
// GROUPED-LABEL:   func.func @grouped_conv_to_batched_dot(
// GROUPED-SAME:      %[[X:[^:]+]]: tensor<1x2x2x4xf32>, %[[W:[^:]+]]: tensor<1x1x2x6xf32>)
// GROUPED-NEXT:      %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]])
// GROUPED-SAME:        feature_group_count = 2
// GROUPED-NEXT:      return %[[C]], %[[C]]
func.func @grouped_conv_to_batched_dot(%x: tensor<1x2x2x4xf32>, %w: tensor<1x1x2x6xf32>) -> (tensor<1x2x2x6xf32>, tensor<1x2x2x6xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x2x2x4xf32>, tensor<1x1x2x6xf32>) -> tensor<1x2x2x6xf32>
  %x4 = stablehlo.reshape %x : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x1x2x2xf32>
  %wm = stablehlo.reshape %w : (tensor<1x1x2x6xf32>) -> tensor<2x6xf32>
  %w4 = stablehlo.reshape %wm : (tensor<2x6xf32>) -> tensor<1x2x2x3xf32>
  %d = stablehlo.dot_general %x4, %w4, batching_dims = [4] x [2], contracting_dims = [3, 5] x [0, 1] : (tensor<1x2x2x1x2x2xf32>, tensor<1x2x2x3xf32>) -> tensor<2x1x2x2x3xf32>
  %t = stablehlo.transpose %d, dims = [1, 2, 3, 0, 4] : (tensor<2x1x2x2x3xf32>) -> tensor<1x2x2x2x3xf32>
  %1 = stablehlo.reshape %t : (tensor<1x2x2x2x3xf32>) -> tensor<1x2x2x6xf32>
  return %0, %1 : tensor<1x2x2x6xf32>, tensor<1x2x2x6xf32>
}

// -----

/// A grouped convolution (2 groups of 2 input and 2 output features) -> the sum over taps and
/// group input features i of: input feature i of each group, repeated for the group's outputs
/// (reshape, slice, broadcast, reshape), times that tap's weights for i along the outputs.
// STRICT-LABEL:        func.func @grouped_conv_to_taps(
// STRICT:                stablehlo.convolution
// STRICT:                stablehlo.add
// GROUPED-TAPS-LABEL:  func.func @grouped_conv_to_taps(
// GROUPED-TAPS-SAME:     %[[X:[^:]+]]: tensor<1x2x2x4xf32>, %[[W:[^:]+]]: tensor<1x1x2x4xf32>)
// GROUPED-TAPS-NEXT:     %[[S:.+]] = stablehlo.reshape %[[X]] : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x2x2xf32>
// GROUPED-TAPS-NEXT:     %[[S0:.+]] = stablehlo.slice %[[S]] [0:1, 0:2, 0:2, 0:2, 0:1]
// GROUPED-TAPS:          %[[W0:.+]] = stablehlo.slice %[[W]] [0:1, 0:1, 0:1, 0:4]
// GROUPED-TAPS:          %[[S1:.+]] = stablehlo.slice %[[S]] [0:1, 0:2, 0:2, 0:2, 1:2]
// GROUPED-TAPS:          %[[W1:.+]] = stablehlo.slice %[[W]] [0:1, 0:1, 1:2, 0:4]
// GROUPED-TAPS:          %[[SUM:.+]] = stablehlo.add
// GROUPED-TAPS-NEXT:     return %[[SUM]], %[[SUM]]
func.func @grouped_conv_to_taps(%x: tensor<1x2x2x4xf32>, %w: tensor<1x1x2x4xf32>) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x2x2x4xf32>
  %s = stablehlo.reshape %x : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x2x2xf32>
  %s0 = stablehlo.slice %s [0:1, 0:2, 0:2, 0:2, 0:1] : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x1xf32>
  %g0 = stablehlo.reshape %s0 : (tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2xf32>
  %b0 = stablehlo.broadcast_in_dim %g0, dims = [0, 1, 2, 3] : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %x0 = stablehlo.reshape %b0 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %w0 = stablehlo.slice %w [0:1, 0:1, 0:1, 0:4] : (tensor<1x1x2x4xf32>) -> tensor<1x1x1x4xf32>
  %v0 = stablehlo.reshape %w0 : (tensor<1x1x1x4xf32>) -> tensor<4xf32>
  %k0 = stablehlo.broadcast_in_dim %v0, dims = [3] : (tensor<4xf32>) -> tensor<1x2x2x4xf32>
  %m0 = stablehlo.multiply %x0, %k0 : tensor<1x2x2x4xf32>
  %s1 = stablehlo.slice %s [0:1, 0:2, 0:2, 0:2, 1:2] : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x1xf32>
  %g1 = stablehlo.reshape %s1 : (tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2xf32>
  %b1 = stablehlo.broadcast_in_dim %g1, dims = [0, 1, 2, 3] : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %x1 = stablehlo.reshape %b1 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x4xf32>
  %w1 = stablehlo.slice %w [0:1, 0:1, 1:2, 0:4] : (tensor<1x1x2x4xf32>) -> tensor<1x1x1x4xf32>
  %v1 = stablehlo.reshape %w1 : (tensor<1x1x1x4xf32>) -> tensor<4xf32>
  %k1 = stablehlo.broadcast_in_dim %v1, dims = [3] : (tensor<4xf32>) -> tensor<1x2x2x4xf32>
  %m1 = stablehlo.multiply %x1, %k1 : tensor<1x2x2x4xf32>
  %1 = stablehlo.add %m0, %m1 : tensor<1x2x2x4xf32>
  return %0, %1 : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>
}

// -----

/// convolution(x, w) -> convolution(x, slice(w)) without the kernel taps that only ever see
/// padding, the padding trimmed to match: on a 1x1 input with padding 1, only the centre tap
/// of the 3x3 kernel sees data.
// STRICT-LABEL:     func.func @conv_drop_padding_taps(
// STRICT-COUNT-2:     stablehlo.convolution
// DROP-TAPS-LABEL:  func.func @conv_drop_padding_taps(
// DROP-TAPS-SAME:     %[[X:[^:]+]]: tensor<1x1x1x8xf32>, %[[W:[^:]+]]: tensor<3x3x8x8xf32>)
// DROP-TAPS-NEXT:     %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]])
// DROP-TAPS-NEXT:     return %[[C]], %[[C]]
func.func @conv_drop_padding_taps(%x: tensor<1x1x1x8xf32>, %w: tensor<3x3x8x8xf32>) -> (tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x1x1x8xf32>, tensor<3x3x8x8xf32>) -> tensor<1x1x1x8xf32>
  %ws = stablehlo.slice %w [1:2, 1:2, 0:8, 0:8] : (tensor<3x3x8x8xf32>) -> tensor<1x1x8x8xf32>
  %1 = stablehlo.convolution(%x, %ws) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x1x8xf32>
  return %0, %1 : tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>
}

// -----

/// multiply(convolution(x, w), broadcast(s, [output feature])) -> convolution(x, w * broadcast(s))
/// (an inference batch norm's per-channel scale folded into the weights): 144 multiplies
/// instead of 256.
// STRICT-LABEL:      func.func @conv_fold_scale(
// STRICT:              stablehlo.convolution
// STRICT-NEXT:         stablehlo.broadcast_in_dim
// STRICT-NEXT:         stablehlo.multiply
// FOLD-SCALE-LABEL:  func.func @conv_fold_scale(
// FOLD-SCALE-SAME:     %[[X:[^:]+]]: tensor<1x8x8x4xf32>, %[[W:[^:]+]]: tensor<3x3x4x4xf32>, %[[S:[^:]+]]: tensor<4xf32>)
// FOLD-SCALE-NEXT:     %[[SB:.+]] = stablehlo.broadcast_in_dim %[[S]], dims = [3] : (tensor<4xf32>) -> tensor<3x3x4x4xf32>
// FOLD-SCALE-NEXT:     %[[WS:.+]] = stablehlo.multiply %[[W]], %[[SB]] : tensor<3x3x4x4xf32>
// FOLD-SCALE-NEXT:     %[[C:.+]] = stablehlo.convolution(%[[X]], %[[WS]])
// FOLD-SCALE-NEXT:     return %[[C]]
func.func @conv_fold_scale(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x4xf32>, %s: tensor<4xf32>) -> tensor<1x8x8x4xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x8x8x4xf32>
  %1 = stablehlo.broadcast_in_dim %s, dims = [3] : (tensor<4xf32>) -> tensor<1x8x8x4xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<1x8x8x4xf32>
  return %2 : tensor<1x8x8x4xf32>
}

// -----

/// A transposed convolution (lhs_dilation 2): output 2m reads x[m] through tap 1 only, output
/// 2m+1 x[m] through tap 0 only (the other tap meets an inserted zero). -> two stride-1
/// convolutions of the undilated x, one per output phase, each with the tap it meets, stacked
/// on a new dimension next to the output's and merged into it (an interleave).
// STRICT-LABEL: func.func @conv_transpose_to_phases(
// STRICT-COUNT-3: stablehlo.convolution
// PHASES-LABEL: func.func @conv_transpose_to_phases(
// PHASES-SAME:    %[[X:[^:]+]]: tensor<1x4x2xf32>, %[[W:[^:]+]]: tensor<2x2x3xf32>)
// PHASES-NEXT:    %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) {{.*}} lhs_dilate = [2]
// PHASES-NEXT:    return %[[C]], %[[C]]
func.func @conv_transpose_to_phases(%x: tensor<1x4x2xf32>, %w: tensor<2x2x3xf32>) -> (tensor<1x8x3xf32>, tensor<1x8x3xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[1, 1]], lhs_dilate = [2], rhs_dilate = [1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x2xf32>, tensor<2x2x3xf32>) -> tensor<1x8x3xf32>
  %w0 = stablehlo.slice %w [1:2:2, 0:2, 0:3] : (tensor<2x2x3xf32>) -> tensor<1x2x3xf32>
  %p0 = stablehlo.convolution(%x, %w0) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[0, 0]], lhs_dilate = [1], rhs_dilate = [1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x2xf32>, tensor<1x2x3xf32>) -> tensor<1x4x3xf32>
  %w1 = stablehlo.slice %w [0:1:2, 0:2, 0:3] : (tensor<2x2x3xf32>) -> tensor<1x2x3xf32>
  %p1 = stablehlo.convolution(%x, %w1) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[0, 0]], lhs_dilate = [1], rhs_dilate = [1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x2xf32>, tensor<1x2x3xf32>) -> tensor<1x4x3xf32>
  %r0 = stablehlo.reshape %p0 : (tensor<1x4x3xf32>) -> tensor<1x4x1x3xf32>
  %r1 = stablehlo.reshape %p1 : (tensor<1x4x3xf32>) -> tensor<1x4x1x3xf32>
  %c = stablehlo.concatenate %r0, %r1, dim = 2 : (tensor<1x4x1x3xf32>, tensor<1x4x1x3xf32>) -> tensor<1x4x2x3xf32>
  %1 = stablehlo.reshape %c : (tensor<1x4x2x3xf32>) -> tensor<1x8x3xf32>
  return %0, %1 : tensor<1x8x3xf32>, tensor<1x8x3xf32>
}

// -----

/// A dilated convolution (rhs_dilation 2): the even and the odd outputs each read one phase of
/// x (x[2j] and x[2j+1]) through an undilated kernel. -> x's phases moved into the batch
/// (reshape, transpose, reshape), one undilated convolution, and the phases moved back.
// STRICT-LABEL: func.func @dilated_conv_to_space_to_batch(
// STRICT-COUNT-2: stablehlo.convolution
// SPACE-TO-BATCH-LABEL: func.func @dilated_conv_to_space_to_batch(
// SPACE-TO-BATCH-SAME:    %[[X:[^:]+]]: tensor<1x6x2xf32>, %[[W:[^:]+]]: tensor<2x2x3xf32>)
// SPACE-TO-BATCH-NEXT:    %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) {{.*}} rhs_dilate = [2]
// SPACE-TO-BATCH-NEXT:    return %[[C]], %[[C]]
func.func @dilated_conv_to_space_to_batch(%x: tensor<1x6x2xf32>, %w: tensor<2x2x3xf32>) -> (tensor<1x4x3xf32>, tensor<1x4x3xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[0, 0]], lhs_dilate = [1], rhs_dilate = [2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x6x2xf32>, tensor<2x2x3xf32>) -> tensor<1x4x3xf32>
  %s = stablehlo.reshape %x : (tensor<1x6x2xf32>) -> tensor<1x3x2x2xf32>
  %t = stablehlo.transpose %s, dims = [2, 0, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<2x1x3x2xf32>
  %b = stablehlo.reshape %t : (tensor<2x1x3x2xf32>) -> tensor<2x3x2xf32>
  %c = stablehlo.convolution(%b, %w) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[0, 0]], lhs_dilate = [1], rhs_dilate = [1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x2xf32>, tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  %u = stablehlo.reshape %c : (tensor<2x2x3xf32>) -> tensor<2x1x2x3xf32>
  %v = stablehlo.transpose %u, dims = [1, 2, 0, 3] : (tensor<2x1x2x3xf32>) -> tensor<1x2x2x3xf32>
  %1 = stablehlo.reshape %v : (tensor<1x2x2x3xf32>) -> tensor<1x4x3xf32>
  return %0, %1 : tensor<1x4x3xf32>, tensor<1x4x3xf32>
}

// -----

/// Windows that tile the input (a 4-wide kernel at stride 4, a ViT's patch embedding in one
/// dimension): x cut into its patches by reshapes, one row per patch, times the kernel reshaped
/// to [taps * in, out]: one dot_general, no slice per tap.
// STRICT-LABEL: func.func @conv_patches_to_dot(
// STRICT:         stablehlo.convolution
// STRICT:         stablehlo.dot_general
// PATCHES-LABEL: func.func @conv_patches_to_dot(
// PATCHES-SAME:    %[[X:[^:]+]]: tensor<1x8x2xf32>, %[[W:[^:]+]]: tensor<4x2x3xf32>)
// PATCHES-NEXT:    %[[C:.+]] = stablehlo.convolution(%[[X]], %[[W]]) {{.*}}stride = [4]
// PATCHES-NEXT:    return %[[C]], %[[C]]
func.func @conv_patches_to_dot(%x: tensor<1x8x2xf32>, %w: tensor<4x2x3xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x3xf32>) {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [4], pad = [[0, 0]], lhs_dilate = [1], rhs_dilate = [1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x2xf32>, tensor<4x2x3xf32>) -> tensor<1x2x3xf32>
  %p = stablehlo.reshape %x : (tensor<1x8x2xf32>) -> tensor<1x2x4x2xf32>
  %r = stablehlo.reshape %p : (tensor<1x2x4x2xf32>) -> tensor<1x2x8xf32>
  %m = stablehlo.reshape %w : (tensor<4x2x3xf32>) -> tensor<8x3xf32>
  %1 = stablehlo.dot_general %r, %m, contracting_dims = [2] x [0] : (tensor<1x2x8xf32>, tensor<8x3xf32>) -> tensor<1x2x3xf32>
  return %0, %1 : tensor<1x2x3xf32>, tensor<1x2x3xf32>
}
