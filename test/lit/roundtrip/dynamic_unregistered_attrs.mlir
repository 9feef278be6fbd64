// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect \
// RUN:   --stablehlo-eqsat-roundtrip | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --allow-unregistered-dialect --stablehlo-eqsat-roundtrip \
// RUN:   --eqsat-stats -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: stablehlo-eqsat-opt %s --split-input-file --allow-unregistered-dialect --stablehlo-eqsat-roundtrip \
// RUN:   --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

/// Dynamic shapes are carried through: ops on tensor<?x4xf32> are opaque, and the typed ops
/// around them keep their place.
// STATS: @dynamic_shapes_carried_through: optimized
// CHECK-LABEL: @dynamic_shapes_carried_through
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4xf32>, %[[S:[^:]+]]: tensor<2xindex>)
// CHECK-NEXT: %[[A:.+]] = stablehlo.abs %[[X]] : tensor<?x4xf32>
// CHECK-NEXT: %[[B:.+]] = stablehlo.dynamic_broadcast_in_dim %[[A]], %[[S]], dims = [0, 1] : (tensor<?x4xf32>, tensor<2xindex>) -> tensor<?x4xf32>
// CHECK-NEXT: return %[[B]] : tensor<?x4xf32>
func.func @dynamic_shapes_carried_through(%x: tensor<?x4xf32>, %s: tensor<2xindex>) -> tensor<?x4xf32> {
  %0 = stablehlo.abs %x : tensor<?x4xf32>
  %1 = stablehlo.dynamic_broadcast_in_dim %0, %s, dims = [0, 1] : (tensor<?x4xf32>, tensor<2xindex>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

/// An op of an unregistered dialect (with --allow-unregistered-dialect) is opaque; it keeps
/// its attributes and is kept in order with the typed ops around it.
// STATS: @unregistered_op_is_opaque: optimized
// CHECK-LABEL: @unregistered_op_is_opaque
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[N:.+]] = stablehlo.negate %[[X]]
// CHECK-NEXT: %[[F:.+]] = "mydialect.frobnicate"(%[[N]]) {level = 3 : i64} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[E:.+]] = stablehlo.exponential %[[F]]
// CHECK-NEXT: return %[[E]]
func.func @unregistered_op_is_opaque(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = "mydialect.frobnicate"(%0) {level = 3 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = stablehlo.exponential %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// Discardable attributes on typed ops (sharding, frontend attributes) and on the function and
/// its arguments are kept.
// STATS: @discardable_attributes_kept: optimized
// CHECK-LABEL: @discardable_attributes_kept
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32> {mhlo.sharding = "{devices=[2,1]0,1}"})
// CHECK-SAME: attributes {my.function_attr = "kept"}
// CHECK-NEXT: %[[A:.+]] = stablehlo.add %[[X]], %[[X]] {mhlo.frontend_attributes = {_xla_stream = "1"}} : tensor<4x8xf32>
// CHECK-NEXT: %[[T:.+]] = stablehlo.transpose %[[A]], dims = [1, 0] {mhlo.sharding = "{replicated}"} : (tensor<4x8xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: return %[[T]]
func.func @discardable_attributes_kept(%x: tensor<4x8xf32> {mhlo.sharding = "{devices=[2,1]0,1}"}) -> tensor<8x4xf32>
    attributes {my.function_attr = "kept"} {
  %0 = stablehlo.add %x, %x {mhlo.frontend_attributes = {_xla_stream = "1"}} : tensor<4x8xf32>
  %1 = stablehlo.transpose %0, dims = [1, 0] {mhlo.sharding = "{replicated}"} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  return %1 : tensor<8x4xf32>
}

// -----

/// Locations of typed and opaque ops survive the round trip (checked with
/// --mlir-print-debuginfo).
// STATS: @locations_kept: optimized
// LOC-LABEL: @locations_kept
// LOC: stablehlo.multiply {{.*}} loc(#[[MUL_LOC:.+]])
// LOC: stablehlo.custom_call @effect{{.*}} loc(#[[CALL_LOC:.+]])
// LOC: stablehlo.sine {{.*}} loc(#[[SIN_LOC:.+]])
// LOC-DAG: #[[MUL_LOC]] = loc("model.py":10:4)
// LOC-DAG: #[[CALL_LOC]] = loc("call_site"(#{{.+}}))
// LOC-DAG: = loc("model.py":11:2)
// LOC-DAG: #[[SIN_LOC]] = loc("model.py":12:8)
func.func @locations_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.multiply %x, %x : tensor<4xf32> loc("model.py":10:4)
  %1 = stablehlo.custom_call @effect(%0) {has_side_effect = true} : (tensor<4xf32>) -> tensor<4xf32> loc("call_site"("model.py":11:2))
  %2 = stablehlo.sine %1 : tensor<4xf32> loc("model.py":12:8)
  return %2 : tensor<4xf32>
}
