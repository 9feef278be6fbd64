// Rules of the `reduce` family (rules/reduce.py): merge nested reductions, see through layout
// ops and concatenation, pull scales and negation out. One function per rule (a second one,
// suffixed, for a selecting body such as maximum), named after it.
//
// Regrouping an add or multiply reduction changes rounding (`reassoc`: fast mode only, STRICT
// shows the function unchanged). Regrouping maximum, minimum, and, or is exact: those variants
// are rules of their own (`...-exact`) that fire in every mode.
//
// reduce-of-concat, reduce-of-scaled and reduce-of-neg do not make the program cheaper on
// their own (XLA fuses the producer into the reduction either way): their functions compute
// both sides, and the rule makes them one value.
//
// DEFINE: %{rules} = reduce-of-reduce|reduce-of-transpose|reduce-of-reshape|reduce-of-concat|reduce-of-scaled|reduce-of-neg|reduce-of-reduce-exact|reduce-of-transpose-exact|reduce-of-reshape-exact|reduce-of-concat-exact
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{rules}' | FileCheck %s --check-prefixes=CHECK,STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast only-rules=%{rules}' | FileCheck %s --check-prefixes=CHECK,FAST

/// reduce(reduce(x, [2]), [0]) -> reduce(x, [2, 0]) (dimension 0 of the inner result is
/// dimension 0 of x). One reduction kernel instead of two (`reassoc` for add).
// CHECK-LABEL:  func.func @reduce_of_reduce(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3x4xf32>)
// CHECK-NEXT:     %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// STRICT-NEXT:    %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [2]
// STRICT-NEXT:    stablehlo.reduce(%[[R]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [0]
// FAST-NEXT:      %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [2, 0] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<3xf32>
// FAST-NEXT:      return %[[R]]
func.func @reduce_of_reduce(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.add across dimensions = [2] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.add across dimensions = [0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

/// The same with a maximum body: reduce(reduce(x, [1]), [1]) -> reduce(x, [1, 2]).
// CHECK-LABEL:  func.func @reduce_of_reduce_exact_max(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3x4xf32>)
// CHECK-NEXT:     %[[NEG_INF:.+]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[NEG_INF]]) applies stablehlo.maximum across dimensions = [1, 2] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:     return %[[R]]
func.func @reduce_of_reduce_exact_max(%x: tensor<2x3x4xf32>) -> tensor<2xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x4xf32>, tensor<f32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

/// reduce(transpose(x), all dims) -> reduce(x, all dims): the order of the elements changes,
/// so the rounding of a sum may (`reassoc` for add).
// CHECK-LABEL:  func.func @reduce_of_transpose(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:     %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// STRICT-NEXT:    stablehlo.transpose
// FAST-NEXT:      %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [0, 1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<f32>
// FAST-NEXT:      return %[[R]]
func.func @reduce_of_transpose(%x: tensor<2x3xf32>) -> tensor<f32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.add across dimensions = [0, 1] : (tensor<3x2xf32>, tensor<f32>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

/// The same with a minimum body.
// CHECK-LABEL:  func.func @reduce_of_transpose_exact_min(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:     %[[INF:.+]] = stablehlo.constant dense<0x7F800000> : tensor<f32>
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INF]]) applies stablehlo.minimum across dimensions = [0, 1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:     return %[[R]]
func.func @reduce_of_transpose_exact_min(%x: tensor<2x3xf32>) -> tensor<f32> {
  %init = stablehlo.constant dense<0x7F800000> : tensor<f32>
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.minimum across dimensions = [0, 1] : (tensor<3x2xf32>, tensor<f32>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

/// reduce(reshape(x), all dims) -> reduce(x, all dims), here a product (`reassoc`).
// CHECK-LABEL:  func.func @reduce_of_reshape(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NEXT:     %[[ONE:.+]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// STRICT-NEXT:    stablehlo.reshape
// FAST-NEXT:      %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[ONE]]) applies stablehlo.multiply across dimensions = [0, 1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<f32>
// FAST-NEXT:      return %[[R]]
func.func @reduce_of_reshape(%x: tensor<2x3xf32>) -> tensor<f32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  %0 = stablehlo.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.multiply across dimensions = [0] : (tensor<6xf32>, tensor<f32>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

/// The same with an `and` body on booleans.
// CHECK-LABEL:  func.func @reduce_of_reshape_exact_and(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3xi1>)
// CHECK-NEXT:     %[[TRUE:.+]] = stablehlo.constant dense<true> : tensor<i1>
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[TRUE]]) applies stablehlo.and across dimensions = [0, 1] : (tensor<2x3xi1>, tensor<i1>) -> tensor<i1>
// CHECK-NEXT:     return %[[R]]
func.func @reduce_of_reshape_exact_and(%x: tensor<2x3xi1>) -> tensor<i1> {
  %init = stablehlo.constant dense<true> : tensor<i1>
  %0 = stablehlo.reshape %x : (tensor<2x3xi1>) -> tensor<6xi1>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.and across dimensions = [0] : (tensor<6xi1>, tensor<i1>) -> tensor<i1>
  return %1 : tensor<i1>
}

// -----

/// reduce(concatenate(a, b), [1]) -> add(reduce(a, [1]), reduce(b, [1])) when the init value is
/// the body's identity (else it would be counted twice) (`reassoc` for add).
// CHECK-LABEL:  func.func @reduce_of_concat(
// CHECK-SAME:     %[[A:[^:]+]]: tensor<2x3xf32>, %[[B:[^:]+]]: tensor<2x5xf32>)
// CHECK-NEXT:     %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:     %[[AB:.+]] = stablehlo.concatenate %[[A]], %[[B]], dim = 1
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[AB]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [1]
// STRICT-COUNT-2: stablehlo.reduce
// STRICT-NEXT:    %[[SUM:.+]] = stablehlo.add
// STRICT-NEXT:    return %[[R]], %[[SUM]]
// FAST-NEXT:      return %[[R]], %[[R]]
func.func @reduce_of_concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %2 = stablehlo.reduce(%a init: %init) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
  %3 = stablehlo.reduce(%b init: %init) applies stablehlo.add across dimensions = [1] : (tensor<2x5xf32>, tensor<f32>) -> tensor<2xf32>
  %4 = stablehlo.add %2, %3 : tensor<2xf32>
  return %1, %4 : tensor<2xf32>, tensor<2xf32>
}

// -----

/// The same with a maximum body (identity -Inf).
// CHECK-LABEL:  func.func @reduce_of_concat_exact_max(
// CHECK-SAME:     %[[A:[^:]+]]: tensor<2x3xf32>, %[[B:[^:]+]]: tensor<2x5xf32>)
// CHECK-NEXT:     %[[NEG_INF:.+]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-NEXT:     %[[AB:.+]] = stablehlo.concatenate %[[A]], %[[B]], dim = 1
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[AB]] init: %[[NEG_INF]]) applies stablehlo.maximum across dimensions = [1]
// CHECK-NEXT:     return %[[R]], %[[R]]
func.func @reduce_of_concat_exact_max(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %2 = stablehlo.reduce(%a init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
  %3 = stablehlo.reduce(%b init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x5xf32>, tensor<f32>) -> tensor<2xf32>
  %4 = stablehlo.maximum %2, %3 : tensor<2xf32>
  return %1, %4 : tensor<2xf32>, tensor<2xf32>
}

// -----

/// reduce_add(x * k) -> reduce_add(x) * k for a splat k (`reassoc`).
// CHECK-LABEL:  func.func @reduce_of_scaled(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<4x16xf32>)
// CHECK-NEXT:     %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:     %[[K:.+]] = stablehlo.constant dense<2.500000e-01> : tensor<4x16xf32>
// STRICT-NEXT:    stablehlo.constant dense<2.500000e-01> : tensor<4xf32>
// CHECK-NEXT:     %[[XK:.+]] = stablehlo.multiply %[[X]], %[[K]] : tensor<4x16xf32>
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[XK]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [1]
// STRICT-NEXT:    stablehlo.reduce
// STRICT-NEXT:    %[[RK:.+]] = stablehlo.multiply
// STRICT-NEXT:    return %[[R]], %[[RK]]
// FAST-NEXT:      return %[[R]], %[[R]]
func.func @reduce_of_scaled(%x: tensor<4x16xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %c = stablehlo.constant dense<0.25> : tensor<4x16xf32>
  %c4 = stablehlo.constant dense<0.25> : tensor<4xf32>
  %0 = stablehlo.multiply %x, %c : tensor<4x16xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.add across dimensions = [1] : (tensor<4x16xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = stablehlo.reduce(%x init: %init) applies stablehlo.add across dimensions = [1] : (tensor<4x16xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = stablehlo.multiply %2, %c4 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// reduce_add(negate(x), 0) -> negate(reduce_add(x, 0)): a sum of zeros flips sign
/// (`no-signed-zero`).
// CHECK-LABEL:  func.func @reduce_of_neg(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<4x16xf32>)
// CHECK-NEXT:     %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:     %[[N:.+]] = stablehlo.negate %[[X]] : tensor<4x16xf32>
// CHECK-NEXT:     %[[R:.+]] = stablehlo.reduce(%[[N]] init: %[[ZERO]]) applies stablehlo.add across dimensions = [1]
// STRICT-NEXT:    stablehlo.reduce
// STRICT-NEXT:    %[[RN:.+]] = stablehlo.negate
// STRICT-NEXT:    return %[[R]], %[[RN]]
// FAST-NEXT:      return %[[R]], %[[R]]
func.func @reduce_of_neg(%x: tensor<4x16xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.negate %x : tensor<4x16xf32>
  %1 = stablehlo.reduce(%0 init: %init) applies stablehlo.add across dimensions = [1] : (tensor<4x16xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = stablehlo.reduce(%x init: %init) applies stablehlo.add across dimensions = [1] : (tensor<4x16xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}
