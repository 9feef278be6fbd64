// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// Every elementwise unary op the importer models as a typed constructor comes back
/// unchanged from the e-graph, with its operand and type.

// STATS: @abs_roundtrip: optimized
// CHECK-LABEL: @abs_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.abs %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @abs_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.abs %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @cbrt_roundtrip: optimized
// CHECK-LABEL: @cbrt_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.cbrt %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @cbrt_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.cbrt %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @ceil_roundtrip: optimized
// CHECK-LABEL: @ceil_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.ceil %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @ceil_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.ceil %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @cosine_roundtrip: optimized
// CHECK-LABEL: @cosine_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.cosine %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @cosine_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.cosine %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @count_leading_zeros_roundtrip: optimized
// CHECK-LABEL: @count_leading_zeros_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.count_leading_zeros %[[X]] : tensor<4xi32>
// CHECK-NEXT: return %[[R]] : tensor<4xi32>
func.func @count_leading_zeros_roundtrip(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.count_leading_zeros %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// STATS: @exponential_roundtrip: optimized
// CHECK-LABEL: @exponential_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.exponential %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @exponential_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.exponential %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @exponential_minus_one_roundtrip: optimized
// CHECK-LABEL: @exponential_minus_one_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.exponential_minus_one %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @exponential_minus_one_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.exponential_minus_one %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @floor_roundtrip: optimized
// CHECK-LABEL: @floor_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.floor %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @floor_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.floor %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @log_roundtrip: optimized
// CHECK-LABEL: @log_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.log %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @log_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.log %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @log_plus_one_roundtrip: optimized
// CHECK-LABEL: @log_plus_one_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.log_plus_one %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @log_plus_one_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.log_plus_one %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @logistic_roundtrip: optimized
// CHECK-LABEL: @logistic_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.logistic %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @logistic_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.logistic %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @negate_roundtrip: optimized
// CHECK-LABEL: @negate_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @negate_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @not_roundtrip: optimized
// CHECK-LABEL: @not_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xi1>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.not %[[X]] : tensor<4xi1>
// CHECK-NEXT: return %[[R]] : tensor<4xi1>
func.func @not_roundtrip(%x: tensor<4xi1>) -> tensor<4xi1> {
  %0 = stablehlo.not %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// STATS: @popcnt_roundtrip: optimized
// CHECK-LABEL: @popcnt_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xi32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.popcnt %[[X]] : tensor<4xi32>
// CHECK-NEXT: return %[[R]] : tensor<4xi32>
func.func @popcnt_roundtrip(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.popcnt %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// STATS: @round_nearest_afz_roundtrip: optimized
// CHECK-LABEL: @round_nearest_afz_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.round_nearest_afz %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @round_nearest_afz_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.round_nearest_afz %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @round_nearest_even_roundtrip: optimized
// CHECK-LABEL: @round_nearest_even_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.round_nearest_even %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @round_nearest_even_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.round_nearest_even %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @rsqrt_roundtrip: optimized
// CHECK-LABEL: @rsqrt_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.rsqrt %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @rsqrt_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.rsqrt %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @sign_roundtrip: optimized
// CHECK-LABEL: @sign_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.sign %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @sign_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.sign %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @sine_roundtrip: optimized
// CHECK-LABEL: @sine_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.sine %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @sine_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.sine %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @sqrt_roundtrip: optimized
// CHECK-LABEL: @sqrt_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.sqrt %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @sqrt_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.sqrt %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @tan_roundtrip: optimized
// CHECK-LABEL: @tan_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.tan %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @tan_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.tan %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// STATS: @tanh_roundtrip: optimized
// CHECK-LABEL: @tanh_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.tanh %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]] : tensor<4xf32>
func.func @tanh_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// Ops whose result type differs from the operand type keep both types.
// STATS: @type_changing_unary_ops: optimized
// CHECK-LABEL: @type_changing_unary_ops
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[Z:.+]]: tensor<4xcomplex<f32>>)
// CHECK: %[[CONV:.+]] = stablehlo.convert %[[X]] : (tensor<4xf32>) -> tensor<4xbf16>
// CHECK: %[[BITS:.+]] = stablehlo.bitcast_convert %[[X]] : (tensor<4xf32>) -> tensor<4xi32>
// CHECK: %[[FIN:.+]] = stablehlo.is_finite %[[X]] : (tensor<4xf32>) -> tensor<4xi1>
// CHECK: %[[RE:.+]] = stablehlo.real %[[Z]] : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
// CHECK: %[[IM:.+]] = stablehlo.imag %[[Z]] : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
// CHECK: return %[[CONV]], %[[BITS]], %[[FIN]], %[[RE]], %[[IM]]
func.func @type_changing_unary_ops(%x: tensor<4xf32>, %z: tensor<4xcomplex<f32>>)
    -> (tensor<4xbf16>, tensor<4xi32>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xbf16>
  %1 = stablehlo.bitcast_convert %x : (tensor<4xf32>) -> tensor<4xi32>
  %2 = stablehlo.is_finite %x : (tensor<4xf32>) -> tensor<4xi1>
  %3 = stablehlo.real %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  %4 = stablehlo.imag %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xbf16>, tensor<4xi32>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>
}

// -----

/// reduce_precision keeps its exponent and mantissa widths (attributes outside the typed
/// arguments travel in the side table).
// STATS: @reduce_precision_roundtrip: optimized
// CHECK-LABEL: @reduce_precision_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = stablehlo.reduce_precision %[[X]], format = e5m10 : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_precision_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.reduce_precision %x, format = e5m10 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// A chain of unary ops keeps its order, and each op's result feeds the next.
// STATS: @unary_chain: optimized
// CHECK-LABEL: @unary_chain
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[A:.+]] = stablehlo.exponential %[[X]]
// CHECK-NEXT: %[[B:.+]] = stablehlo.log %[[A]]
// CHECK-NEXT: %[[C:.+]] = stablehlo.negate %[[B]]
// CHECK-NEXT: return %[[C]] : tensor<2x3xf32>
func.func @unary_chain(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.exponential %x : tensor<2x3xf32>
  %1 = stablehlo.log %0 : tensor<2x3xf32>
  %2 = stablehlo.negate %1 : tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}
