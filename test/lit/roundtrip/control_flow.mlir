// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// A while loop is opaque; its cond and body are nested graphs. Values captured from the
/// function (%n in cond, %one and %step in the body) stay wired to the outer values, and both
/// results come back.
// STATS: @while_with_captured_values: optimized
// CHECK-LABEL: @while_with_captured_values
// CHECK-SAME: (%[[N:[^:]+]]: tensor<i32>, %[[STEP:[^:]+]]: tensor<f32>, %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-DAG: %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG: %[[ONE:.+]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK: %[[W:.+]]:2 = stablehlo.while(%[[I:.+]] = %[[ZERO]], %[[ACC:.+]] = %[[X]]) : tensor<i32>, tensor<4xf32>
// CHECK-NEXT: cond {
// CHECK-NEXT: %[[LT:.+]] = stablehlo.compare LT, %[[I]], %[[N]]
// CHECK-NEXT: stablehlo.return %[[LT]] : tensor<i1>
// CHECK-NEXT: } do {
// CHECK-NEXT: %[[NEXT:.+]] = stablehlo.add %[[I]], %[[ONE]] : tensor<i32>
// CHECK-NEXT: %[[B:.+]] = stablehlo.broadcast_in_dim %[[STEP]], dims = [] : (tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT: %[[ACC2:.+]] = stablehlo.add %[[ACC]], %[[B]] : tensor<4xf32>
// CHECK-NEXT: stablehlo.return %[[NEXT]], %[[ACC2]] : tensor<i32>, tensor<4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[W]]#0, %[[W]]#1 : tensor<i32>, tensor<4xf32>
func.func @while_with_captured_values(%n: tensor<i32>, %step: tensor<f32>, %x: tensor<4xf32>) -> (tensor<i32>, tensor<4xf32>) {
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %one = stablehlo.constant dense<1> : tensor<i32>
  %0:2 = stablehlo.while(%i = %zero, %acc = %x) : tensor<i32>, tensor<4xf32>
    cond {
      %lt = stablehlo.compare LT, %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %lt : tensor<i1>
    } do {
      %next = stablehlo.add %i, %one : tensor<i32>
      %b = stablehlo.broadcast_in_dim %step, dims = [] : (tensor<f32>) -> tensor<4xf32>
      %acc2 = stablehlo.add %acc, %b : tensor<4xf32>
      stablehlo.return %next, %acc2 : tensor<i32>, tensor<4xf32>
    }
  return %0#0, %0#1 : tensor<i32>, tensor<4xf32>
}

// -----

/// case keeps both branches, in order, each using the captured %x.
// STATS: @case_two_branches: optimized
// CHECK-LABEL: @case_two_branches
// CHECK-SAME: (%[[IDX:[^:]+]]: tensor<i32>, %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[C:.+]] = "stablehlo.case"(%[[IDX]]) ({
// CHECK-NEXT: %[[A:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// CHECK-NEXT: stablehlo.return %[[A]] : tensor<4xf32>
// CHECK-NEXT: }, {
// CHECK-NEXT: %[[B:.+]] = stablehlo.exponential %[[X]] : tensor<4xf32>
// CHECK-NEXT: stablehlo.return %[[B]] : tensor<4xf32>
// CHECK-NEXT: }) : (tensor<i32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[C]]
func.func @case_two_branches(%index: tensor<i32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.case"(%index) ({
    %a = stablehlo.negate %x : tensor<4xf32>
    stablehlo.return %a : tensor<4xf32>
  }, {
    %b = stablehlo.exponential %x : tensor<4xf32>
    stablehlo.return %b : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// sort of two operands (keys and values) has two results; its comparator block keeps all
/// four arguments, used or not.
// STATS: @sort_two_operands: optimized
// CHECK-LABEL: @sort_two_operands
// CHECK-SAME: (%[[K:[^:]+]]: tensor<8xf32>, %[[V:[^:]+]]: tensor<8xi32>)
// CHECK-NEXT: %[[S:.+]]:2 = "stablehlo.sort"(%[[K]], %[[V]]) <{dimension = 0 : i64, is_stable = true}> ({
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: tensor<f32>, %[[B:[^:]+]]: tensor<f32>, %{{[^:]+}}: tensor<i32>, %{{[^:]+}}: tensor<i32>):
// CHECK-NEXT: %[[LT:.+]] = stablehlo.compare LT, %[[A]], %[[B]], TOTALORDER
// CHECK-NEXT: stablehlo.return %[[LT]] : tensor<i1>
// CHECK-NEXT: }) : (tensor<8xf32>, tensor<8xi32>) -> (tensor<8xf32>, tensor<8xi32>)
// CHECK-NEXT: return %[[S]]#1, %[[S]]#0
func.func @sort_two_operands(%keys: tensor<8xf32>, %vals: tensor<8xi32>) -> (tensor<8xi32>, tensor<8xf32>) {
  %0:2 = "stablehlo.sort"(%keys, %vals) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<i32>, %d: tensor<i32>):
    %lt = stablehlo.compare LT, %a, %b, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<8xf32>, tensor<8xi32>) -> (tensor<8xf32>, tensor<8xi32>)
  return %0#1, %0#0 : tensor<8xi32>, tensor<8xf32>
}

// -----

/// func.call between functions: both functions round trip, the call keeps its callee.
// STATS: @callee_square: optimized
// STATS: @caller_of_square: optimized
// CHECK-LABEL: func.func private @callee_square
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[M:.+]] = stablehlo.multiply %[[X]], %[[X]]
// CHECK-NEXT: return %[[M]]
// CHECK-LABEL: func.func @caller_of_square
// CHECK-SAME: (%[[Y:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[C:.+]] = call @callee_square(%[[Y]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[A:.+]] = stablehlo.add %[[C]], %[[Y]]
// CHECK-NEXT: return %[[A]]
func.func private @callee_square(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.multiply %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @caller_of_square(%y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = func.call @callee_square(%y) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.add %0, %y : tensor<4xf32>
  return %1 : tensor<4xf32>
}
