// Rules of the `layout` family (rules/layout.py): broadcast, reshape, transpose and convert
// cancel, merge, and move through elementwise ops. One function per rule, named after it.
// They only move or copy elements, so every rule is exact and runs in strict mode.
//
//  * The simplifying rules (prefix CHECK), each shown on one instance: the output is cheaper.
//  * The rules that sink a layout op below an elementwise op (prefix MERGE) make the program
//    bigger (or no cheaper) on their own. Each such function computes both sides and returns them;
//    once the rule fires they are one value. The hoisting rules that undo the sinking ones are
//    in the other set, so each merge is the work of the rule under test.
//
// DEFINE: %{simplify} = transpose-identity|transpose-of-transpose|reshape-noop|reshape-of-reshape|convert-noop|broadcast-noop|broadcast-of-broadcast|broadcast-of-splat|reshape-of-splat|transpose-of-splat|transpose-hoist-elementwise|reshape-hoist-elementwise|broadcast-hoist-elementwise|broadcast-hoist-unary
// DEFINE: %{sink} = transpose-sink-elementwise|reshape-sink-elementwise|transpose-sink-unary|reshape-sink-unary|transpose-is-reshape
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{simplify}' | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{sink}' | FileCheck %s --check-prefix=MERGE

/// transpose(x, [0, 1]) -> x.
// CHECK-LABEL: func.func @transpose_identity(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<2x3xf32>
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.transpose %x, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

/// transpose(transpose(x, p2), p) -> transpose(x, p2 . p): [1, 0, 2] then [2, 0, 1] is [2, 1, 0].
// CHECK-LABEL: func.func @transpose_of_transpose(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[T:.+]] = stablehlo.transpose %[[X]], dims = [2, 1, 0] : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT:    return %[[T]]
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = stablehlo.transpose %x, dims = [1, 0, 2] : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = stablehlo.transpose %0, dims = [2, 0, 1] : (tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
  return %1 : tensor<4x3x2xf32>
}

// -----

/// Two transposes that undo each other compose to the identity, which transpose-identity removes.
// CHECK-LABEL: func.func @transpose_of_transpose_cancel(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<2x3xf32>
func.func @transpose_of_transpose_cancel(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.transpose %0, dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

/// reshape(x) -> x when the type does not change.
// CHECK-LABEL: func.func @reshape_noop(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<2x3xf32>
func.func @reshape_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

/// reshape(reshape(x)) -> reshape(x).
// CHECK-LABEL: func.func @reshape_of_reshape(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.reshape %[[X]] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = stablehlo.reshape %0 : (tensor<6xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

/// convert(x) -> x when the element type does not change.
// CHECK-LABEL: func.func @convert_noop(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @convert_noop(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.convert %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// broadcast_in_dim(x, [0, 1]) -> x when the type does not change.
// CHECK-LABEL: func.func @broadcast_noop(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<2x3xf32>
func.func @broadcast_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

/// broadcast_in_dim(broadcast_in_dim(x, [1]), [1, 2]) -> broadcast_in_dim(x, [2]).
// CHECK-LABEL: func.func @broadcast_of_broadcast(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[B:.+]] = stablehlo.broadcast_in_dim %[[X]], dims = [2] : (tensor<3xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    return %[[B]]
func.func @broadcast_of_broadcast(%x: tensor<3xf32>) -> tensor<4x2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [1, 2] : (tensor<2x3xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

/// broadcast_in_dim(splat c) -> splat c of the result type.
// CHECK-LABEL: func.func @broadcast_of_splat(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<3.000000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[C]] : tensor<2x3xf32>
// CHECK-NEXT:    return %[[P]]
func.func @broadcast_of_splat(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = stablehlo.constant dense<3.0> : tensor<f32>
  %0 = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<2x3xf32>
  %1 = stablehlo.multiply %x, %0 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

/// reshape(splat c) -> splat c of the result type.
// CHECK-LABEL: func.func @reshape_of_splat(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<6xf32>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<3.000000e+00> : tensor<6xf32>
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[C]] : tensor<6xf32>
// CHECK-NEXT:    return %[[P]]
func.func @reshape_of_splat(%x: tensor<6xf32>) -> tensor<6xf32> {
  %c = stablehlo.constant dense<3.0> : tensor<2x3xf32>
  %0 = stablehlo.reshape %c : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = stablehlo.multiply %x, %0 : tensor<6xf32>
  return %1 : tensor<6xf32>
}

// -----

/// transpose(splat c) -> splat c of the result type.
// CHECK-LABEL: func.func @transpose_of_splat(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3x2xf32>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<3.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[C]] : tensor<3x2xf32>
// CHECK-NEXT:    return %[[P]]
func.func @transpose_of_splat(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %c = stablehlo.constant dense<3.0> : tensor<2x3xf32>
  %0 = stablehlo.transpose %c, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.multiply %x, %0 : tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

/// transpose(add(x, y)) -> add(transpose(x), transpose(y)): two transposes instead of one, so
/// the function computes both forms, which become one.
// MERGE-LABEL: func.func @transpose_sink_elementwise(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>, %[[Y:[^:]+]]: tensor<2x3xf32>)
// MERGE-NEXT:    %[[S:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<2x3xf32>
// MERGE-NEXT:    %[[T:.+]] = stablehlo.transpose %[[S]], dims = [1, 0]
// MERGE-NEXT:    return %[[T]], %[[T]]
func.func @transpose_sink_elementwise(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %0 = stablehlo.add %x, %y : tensor<2x3xf32>
  %1 = stablehlo.transpose %0, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %3 = stablehlo.transpose %y, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %4 = stablehlo.add %2, %3 : tensor<3x2xf32>
  return %1, %4 : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

/// multiply(transpose(x, p), transpose(y, p)) -> transpose(multiply(x, y), p).
// CHECK-LABEL: func.func @transpose_hoist_elementwise(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>, %[[Y:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[T:.+]] = stablehlo.transpose %[[P]], dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    return %[[T]]
func.func @transpose_hoist_elementwise(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.transpose %y, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}

// -----

/// reshape(subtract(x, y)) -> subtract(reshape(x), reshape(y)) (the sinking direction).
// MERGE-LABEL: func.func @reshape_sink_elementwise(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>, %[[Y:[^:]+]]: tensor<2x3xf32>)
// MERGE-NEXT:    %[[D:.+]] = stablehlo.subtract %[[X]], %[[Y]] : tensor<2x3xf32>
// MERGE-NEXT:    %[[R:.+]] = stablehlo.reshape %[[D]] : (tensor<2x3xf32>) -> tensor<6xf32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @reshape_sink_elementwise(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %0 = stablehlo.subtract %x, %y : tensor<2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3xf32>) -> tensor<6xf32>
  %2 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %3 = stablehlo.reshape %y : (tensor<2x3xf32>) -> tensor<6xf32>
  %4 = stablehlo.subtract %2, %3 : tensor<6xf32>
  return %1, %4 : tensor<6xf32>, tensor<6xf32>
}

// -----

/// maximum(reshape(x), reshape(y)) -> reshape(maximum(x, y)) when x and y have one type.
// CHECK-LABEL: func.func @reshape_hoist_elementwise(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>, %[[Y:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[M:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[R:.+]] = stablehlo.reshape %[[M]] : (tensor<2x3xf32>) -> tensor<6xf32>
// CHECK-NEXT:    return %[[R]]
func.func @reshape_hoist_elementwise(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<6xf32> {
  %0 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = stablehlo.reshape %y : (tensor<2x3xf32>) -> tensor<6xf32>
  %2 = stablehlo.maximum %0, %1 : tensor<6xf32>
  return %2 : tensor<6xf32>
}

// -----

/// divide(broadcast(x, d), broadcast(y, d)) -> broadcast(divide(x, y), d): the division runs on
/// 3 elements instead of 12.
// CHECK-LABEL: func.func @broadcast_hoist_elementwise(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3xf32>, %[[Y:[^:]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[Q:.+]] = stablehlo.divide %[[X]], %[[Y]] : tensor<3xf32>
// CHECK-NEXT:    %[[B:.+]] = stablehlo.broadcast_in_dim %[[Q]], dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    return %[[B]]
func.func @broadcast_hoist_elementwise(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
  %1 = stablehlo.broadcast_in_dim %y, dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
  %2 = stablehlo.divide %0, %1 : tensor<4x3xf32>
  return %2 : tensor<4x3xf32>
}

// -----

/// transpose(exponential(x)) -> exponential(transpose(x)).
// MERGE-LABEL: func.func @transpose_sink_unary(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// MERGE-NEXT:    %[[E:.+]] = stablehlo.exponential %[[X]] : tensor<2x3xf32>
// MERGE-NEXT:    %[[T:.+]] = stablehlo.transpose %[[E]], dims = [1, 0]
// MERGE-NEXT:    return %[[T]], %[[T]]
func.func @transpose_sink_unary(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %0 = stablehlo.exponential %x : tensor<2x3xf32>
  %1 = stablehlo.transpose %0, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %3 = stablehlo.exponential %2 : tensor<3x2xf32>
  return %1, %3 : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

/// reshape(negate(x)) -> negate(reshape(x)).
// MERGE-LABEL: func.func @reshape_sink_unary(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<2x3xf32>)
// MERGE-NEXT:    %[[N:.+]] = stablehlo.negate %[[X]] : tensor<2x3xf32>
// MERGE-NEXT:    %[[R:.+]] = stablehlo.reshape %[[N]] : (tensor<2x3xf32>) -> tensor<6xf32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @reshape_sink_unary(%x: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %0 = stablehlo.negate %x : tensor<2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3xf32>) -> tensor<6xf32>
  %2 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %3 = stablehlo.negate %2 : tensor<6xf32>
  return %1, %3 : tensor<6xf32>, tensor<6xf32>
}

// -----

/// tanh(broadcast(x, d)) -> broadcast(tanh(x), d): 3 tanh instead of 12.
// CHECK-LABEL: func.func @broadcast_hoist_unary(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[T:.+]] = stablehlo.tanh %[[X]] : tensor<3xf32>
// CHECK-NEXT:    %[[B:.+]] = stablehlo.broadcast_in_dim %[[T]], dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    return %[[B]]
func.func @broadcast_hoist_unary(%x: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
  %1 = stablehlo.tanh %0 : tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// -----

/// transpose(x : 1x4, [1, 0]) -> reshape(x): swapping a unit dimension moves no element. Both
/// ops move data alike in the cost model, so the function computes both and they become one.
// MERGE-LABEL: func.func @transpose_is_reshape(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<1x4xf32>)
// MERGE-NEXT:    %[[R:.+]] = stablehlo.reshape %[[X]] : (tensor<1x4xf32>) -> tensor<4x1xf32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @transpose_is_reshape(%x: tensor<1x4xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<1x4xf32>) -> tensor<4x1xf32>
  %1 = stablehlo.reshape %x : (tensor<1x4xf32>) -> tensor<4x1xf32>
  return %0, %1 : tensor<4x1xf32>, tensor<4x1xf32>
}
