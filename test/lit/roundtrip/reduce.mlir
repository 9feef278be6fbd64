// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// Reductions whose body is one binary op (add, mul, max, min, and, or) are typed terms;
/// the body is rebuilt from the kind at export.
// STATS: @reduce_add: optimized
// CHECK-LABEL: @reduce_add
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.add across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_add(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.add across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @reduce_multiply: optimized
// CHECK-LABEL: @reduce_multiply
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.multiply across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_multiply(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.multiply across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @reduce_maximum: optimized
// CHECK-LABEL: @reduce_maximum
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.maximum across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_maximum(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @reduce_minimum: optimized
// CHECK-LABEL: @reduce_minimum
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<0x7F800000> : tensor<f32>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.minimum across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_minimum(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<0x7F800000> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.minimum across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @reduce_and: optimized
// CHECK-LABEL: @reduce_and
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xi1>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<true> : tensor<i1>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.and across dimensions = [1] : (tensor<4x8xi1>, tensor<i1>) -> tensor<4xi1>
// CHECK-NEXT: return %[[R]]
func.func @reduce_and(%x: tensor<4x8xi1>) -> tensor<4xi1> {
  %init = stablehlo.constant dense<true> : tensor<i1>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.and across dimensions = [1] : (tensor<4x8xi1>, tensor<i1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// STATS: @reduce_or: optimized
// CHECK-LABEL: @reduce_or
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xi1>)
// CHECK: %[[INIT:.+]] = stablehlo.constant dense<false> : tensor<i1>
// CHECK: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.or across dimensions = [1] : (tensor<4x8xi1>, tensor<i1>) -> tensor<4xi1>
// CHECK-NEXT: return %[[R]]
func.func @reduce_or(%x: tensor<4x8xi1>) -> tensor<4xi1> {
  %init = stablehlo.constant dense<false> : tensor<i1>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.or across dimensions = [1] : (tensor<4x8xi1>, tensor<i1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}


// -----

/// A reduction over several dimensions, written with an explicit body.
// STATS: @reduce_explicit_body_all_dims: optimized
// CHECK-LABEL: @reduce_explicit_body_all_dims
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>, %[[INIT:.+]]: tensor<f32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) applies stablehlo.add across dimensions = [0, 2] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<3xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_explicit_body_all_dims(%x: tensor<2x3x4xf32>, %init: tensor<f32>) -> tensor<3xf32> {
  %0 = stablehlo.reduce(%x init: %init) across dimensions = [0, 2] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<3xf32>
    reducer(%a: tensor<f32>, %b: tensor<f32>) {
      %s = stablehlo.add %a, %b : tensor<f32>
      stablehlo.return %s : tensor<f32>
    }
  return %0 : tensor<3xf32>
}

// -----

/// An argmax-style reduce (two operands, two inits, two results) is opaque: its body is
/// imported as a nested graph and both results come back through projections.
// STATS: @reduce_argmax_two_operands: optimized
// CHECK-LABEL: @reduce_argmax_two_operands
// CHECK-SAME: (%[[V:[^:]+]]: tensor<8xf32>, %[[I:[^:]+]]: tensor<8xi32>)
// CHECK-DAG: %[[NEG_INF:.+]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-DAG: %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK: %[[R:.+]]:2 = stablehlo.reduce(%[[V]] init: %[[NEG_INF]]), (%[[I]] init: %[[ZERO]]) across dimensions = [0] : (tensor<8xf32>, tensor<8xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
// CHECK-NEXT: reducer(%[[A:.+]]: tensor<f32>, %[[B:.+]]: tensor<f32>) (%[[AI:.+]]: tensor<i32>, %[[BI:.+]]: tensor<i32>)
// CHECK-NEXT: %[[GE:.+]] = stablehlo.compare GE, %[[A]], %[[B]]
// CHECK-NEXT: %[[MV:.+]] = stablehlo.select %[[GE]], %[[A]], %[[B]]
// CHECK-NEXT: %[[MI:.+]] = stablehlo.select %[[GE]], %[[AI]], %[[BI]]
// CHECK-NEXT: stablehlo.return %[[MV]], %[[MI]] : tensor<f32>, tensor<i32>
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @reduce_argmax_two_operands(%v: tensor<8xf32>, %i: tensor<8xi32>) -> (tensor<f32>, tensor<i32>) {
  %neg_inf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.reduce(%v init: %neg_inf), (%i init: %zero) across dimensions = [0]
      : (tensor<8xf32>, tensor<8xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
    reducer(%a: tensor<f32>, %b: tensor<f32>) (%ai: tensor<i32>, %bi: tensor<i32>) {
      %ge = stablehlo.compare GE, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %mv = stablehlo.select %ge, %a, %b : tensor<i1>, tensor<f32>
      %mi = stablehlo.select %ge, %ai, %bi : tensor<i1>, tensor<i32>
      stablehlo.return %mv, %mi : tensor<f32>, tensor<i32>
    }
  return %0#0, %0#1 : tensor<f32>, tensor<i32>
}

// -----

/// A body that is not a single binary op (sum of squares) keeps the reduce opaque, with its
/// body round-tripped as a nested graph.
// STATS: @reduce_body_not_single_op: optimized
// CHECK-LABEL: @reduce_body_not_single_op
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>, %[[INIT:.+]]: tensor<f32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.reduce(%[[X]] init: %[[INIT]]) across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: reducer(%[[ACC:.+]]: tensor<f32>, %[[E:.+]]: tensor<f32>)
// CHECK-NEXT: %[[SQ:.+]] = stablehlo.multiply %[[E]], %[[E]] : tensor<f32>
// CHECK-NEXT: %[[S:.+]] = stablehlo.add %[[ACC]], %[[SQ]] : tensor<f32>
// CHECK-NEXT: stablehlo.return %[[S]] : tensor<f32>
// CHECK: return %[[R]]
func.func @reduce_body_not_single_op(%x: tensor<4x8xf32>, %init: tensor<f32>) -> tensor<4xf32> {
  %0 = stablehlo.reduce(%x init: %init) across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
    reducer(%acc: tensor<f32>, %e: tensor<f32>) {
      %sq = stablehlo.multiply %e, %e : tensor<f32>
      %s = stablehlo.add %acc, %sq : tensor<f32>
      stablehlo.return %s : tensor<f32>
    }
  return %0 : tensor<4xf32>
}
