// Constant folding (rules/constant_fold.py): an op whose operands are all constants becomes a
// constant, computed with numpy before saturation. Each fold is named like a rule (`fold-add`,
// ...) and is exact: only ops that numpy computes as XLA does are folded. One function per
// fold, named after it; the constants include signed zeros, infinities, NaN, overflow and
// integer wraparound.
//
// DEFINE: %{folds} = fold-add|fold-subtract|fold-multiply|fold-divide|fold-and|fold-or|fold-xor|fold-negate|fold-abs|fold-compare|fold-select|fold-broadcast|fold-reshape|fold-transpose|fold-slice|fold-concatenate|fold-convert|fold-iota
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{folds}' | FileCheck %s

/// add of two constants -> their sum, rounded as XLA rounds it: -0 + -0 is -0, Inf + -Inf
/// is NaN, and 3e38 + 3e38 overflows to Inf.
// CHECK-LABEL: func.func @fold_add(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[3.750000e+00, -0.000000e+00, 0x{{[7F]F}}C00000, 0x7F800000, 0x{{[7F]F}}C00000]> : tensor<5xf32>
// CHECK-NEXT:    return %[[C]] : tensor<5xf32>
func.func @fold_add() -> tensor<5xf32> {
  %a = stablehlo.constant dense<[1.5, -0.0, 0x7F800000, 3.0e+38, 0x7FC00000]> : tensor<5xf32>
  %b = stablehlo.constant dense<[2.25, -0.0, 0xFF800000, 3.0e+38, 1.0]> : tensor<5xf32>
  %0 = stablehlo.add %a, %b : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

/// Integer addition wraps around.
// CHECK-LABEL: func.func @fold_add_int(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[-2147483648, 2147483643, 15]> : tensor<3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<3xi32>
func.func @fold_add_int() -> tensor<3xi32> {
  %a = stablehlo.constant dense<[2147483647, -5, 7]> : tensor<3xi32>
  %b = stablehlo.constant dense<[1, -2147483648, 8]> : tensor<3xi32>
  %0 = stablehlo.add %a, %b : tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

/// subtract: 0 - 0 is +0, Inf - Inf is NaN, 1 - 1e-8 rounds to 1 in f32.
// CHECK-LABEL: func.func @fold_subtract(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[7.500000e-01, 0.000000e+00, 0x{{[7F]F}}C00000, 1.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    return %[[C]] : tensor<4xf32>
func.func @fold_subtract() -> tensor<4xf32> {
  %a = stablehlo.constant dense<[1.0, 0.0, 0x7F800000, 1.0e+00]> : tensor<4xf32>
  %b = stablehlo.constant dense<[0.25, 0.0, 0x7F800000, 1.0e-08]> : tensor<4xf32>
  %0 = stablehlo.subtract %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// multiply: 3 * 0.1 rounds in f32, -0 * 5 is -0, Inf * 0 is NaN, 1e30 * 1e30 overflows.
// CHECK-LABEL: func.func @fold_multiply(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[3.000000e-01, -0.000000e+00, 0x{{[7F]F}}C00000, 0x7F800000]> : tensor<4xf32>
// CHECK-NEXT:    return %[[C]] : tensor<4xf32>
func.func @fold_multiply() -> tensor<4xf32> {
  %a = stablehlo.constant dense<[3.0, -0.0, 0x7F800000, 1.0e+30]> : tensor<4xf32>
  %b = stablehlo.constant dense<[0.1, 5.0, 0.0, 1.0e+30]> : tensor<4xf32>
  %0 = stablehlo.multiply %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// Products in the denormal range: numpy gives the IEEE result; XLA on CPU flushes denormals
/// to zero when it computes the product at run time (see the numeric test).
// CHECK-LABEL: func.func @fold_multiply_denormal(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[1.500000e-39, 9.999940e-41]> : tensor<2xf32>
// CHECK-NEXT:    return %[[C]] : tensor<2xf32>
func.func @fold_multiply_denormal() -> tensor<2xf32> {
  %a = stablehlo.constant dense<[1.0e-39, 1.0e-20]> : tensor<2xf32>
  %b = stablehlo.constant dense<[1.5, 1.0e-20]> : tensor<2xf32>
  %0 = stablehlo.multiply %a, %b : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

/// divide: 1/3 rounds, -1/0 is -Inf, 0/0 is NaN, 1/-0 is -Inf.
// CHECK-LABEL: func.func @fold_divide(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[0.333333343, 0xFF800000, 0x{{[7F]F}}C00000, 0xFF800000]> : tensor<4xf32>
// CHECK-NEXT:    return %[[C]] : tensor<4xf32>
func.func @fold_divide() -> tensor<4xf32> {
  %a = stablehlo.constant dense<[1.0, -1.0, 0.0, 1.0]> : tensor<4xf32>
  %b = stablehlo.constant dense<[3.0, 0.0, 0.0, -0.0]> : tensor<4xf32>
  %0 = stablehlo.divide %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// Bitwise and on integers.
// CHECK-LABEL: func.func @fold_and(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[8, -2147483648, 15]> : tensor<3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<3xi32>
func.func @fold_and() -> tensor<3xi32> {
  %a = stablehlo.constant dense<[12, -1, 255]> : tensor<3xi32>
  %b = stablehlo.constant dense<[10, -2147483648, 15]> : tensor<3xi32>
  %0 = stablehlo.and %a, %b : tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

/// or on booleans.
// CHECK-LABEL: func.func @fold_or(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-NEXT:    return %[[C]] : tensor<3xi1>
func.func @fold_or() -> tensor<3xi1> {
  %a = stablehlo.constant dense<[true, false, false]> : tensor<3xi1>
  %b = stablehlo.constant dense<[false, true, false]> : tensor<3xi1>
  %0 = stablehlo.or %a, %b : tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

/// Bitwise xor on integers.
// CHECK-LABEL: func.func @fold_xor(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[6, -2147483648, 0]> : tensor<3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<3xi32>
func.func @fold_xor() -> tensor<3xi32> {
  %a = stablehlo.constant dense<[12, -1, 0]> : tensor<3xi32>
  %b = stablehlo.constant dense<[10, 2147483647, 0]> : tensor<3xi32>
  %0 = stablehlo.xor %a, %b : tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

/// negate flips the sign bit: -(+0) is -0, -(-Inf) is Inf.
// CHECK-LABEL: func.func @fold_negate(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[-1.500000e+00, -0.000000e+00, 0x7F800000]> : tensor<3xf32>
// CHECK-NEXT:    return %[[C]] : tensor<3xf32>
func.func @fold_negate() -> tensor<3xf32> {
  %a = stablehlo.constant dense<[1.5, 0.0, 0xFF800000]> : tensor<3xf32>
  %0 = stablehlo.negate %a : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

/// Integer negation wraps: -INT_MIN is INT_MIN.
// CHECK-LABEL: func.func @fold_negate_int(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[-5, 0, -2147483648]> : tensor<3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<3xi32>
func.func @fold_negate_int() -> tensor<3xi32> {
  %a = stablehlo.constant dense<[5, 0, -2147483648]> : tensor<3xi32>
  %0 = stablehlo.negate %a : tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

/// abs clears the sign bit: |-0| is +0.
// CHECK-LABEL: func.func @fold_abs(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[1.500000e+00, 0.000000e+00, 0x7F800000, 2.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    return %[[C]] : tensor<4xf32>
func.func @fold_abs() -> tensor<4xf32> {
  %a = stablehlo.constant dense<[-1.5, -0.0, 0xFF800000, 2.0]> : tensor<4xf32>
  %0 = stablehlo.abs %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// Integer abs wraps: |-128| is -128 in i8.
// CHECK-LABEL: func.func @fold_abs_int(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[5, 3, -128]> : tensor<3xi8>
// CHECK-NEXT:    return %[[C]] : tensor<3xi8>
func.func @fold_abs_int() -> tensor<3xi8> {
  %a = stablehlo.constant dense<[-5, 3, -128]> : tensor<3xi8>
  %0 = stablehlo.abs %a : tensor<3xi8>
  return %0 : tensor<3xi8>
}

// -----

/// compare (FLOAT): NaN compares false, -0 < +0 is false. TOTALORDER compares are not folded.
// CHECK-LABEL: func.func @fold_compare(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[true, false, false, false]> : tensor<4xi1>
// CHECK-NEXT:    return %[[C]] : tensor<4xi1>
func.func @fold_compare() -> tensor<4xi1> {
  %a = stablehlo.constant dense<[1.0, 0x7FC00000, -0.0, 0x7F800000]> : tensor<4xf32>
  %b = stablehlo.constant dense<[2.0, 1.0, 0.0, 0x7F800000]> : tensor<4xf32>
  %0 = stablehlo.compare LT, %a, %b, FLOAT : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

/// select with a constant predicate and constant operands.
// CHECK-LABEL: func.func @fold_select(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[1.000000e+00, -2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-NEXT:    return %[[C]] : tensor<3xf32>
func.func @fold_select() -> tensor<3xf32> {
  %c = stablehlo.constant dense<[true, false, true]> : tensor<3xi1>
  %a = stablehlo.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = stablehlo.constant dense<[-1.0, -2.0, -3.0]> : tensor<3xf32>
  %0 = stablehlo.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

/// broadcast_in_dim of a constant.
// CHECK-LABEL: func.func @fold_broadcast(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00], [1.000000e+00, 2.000000e+00, 3.000000e+00]]> : tensor<2x3xf32>
// CHECK-NEXT:    return %[[C]] : tensor<2x3xf32>
func.func @fold_broadcast() -> tensor<2x3xf32> {
  %a = stablehlo.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = stablehlo.broadcast_in_dim %a, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

/// reshape of a constant.
// CHECK-LABEL: func.func @fold_reshape(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    return %[[C]] : tensor<2x2xf32>
func.func @fold_reshape() -> tensor<2x2xf32> {
  %a = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = stablehlo.reshape %a : (tensor<4xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

/// transpose of a constant.
// CHECK-LABEL: func.func @fold_transpose(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[[1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-NEXT:    return %[[C]] : tensor<3x2xf32>
func.func @fold_transpose() -> tensor<3x2xf32> {
  %a = stablehlo.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = stablehlo.transpose %a, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

/// slice of a constant, with a stride.
// CHECK-LABEL: func.func @fold_slice(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    return %[[C]] : tensor<2xf32>
func.func @fold_slice() -> tensor<2xf32> {
  %a = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = stablehlo.slice %a [1:4:2] : (tensor<4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

/// concatenate of constants.
// CHECK-LABEL: func.func @fold_concatenate(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[1, 2, 3, 4, 5]> : tensor<5xi32>
// CHECK-NEXT:    return %[[C]] : tensor<5xi32>
func.func @fold_concatenate() -> tensor<5xi32> {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %b = stablehlo.constant dense<[3, 4, 5]> : tensor<3xi32>
  %0 = stablehlo.concatenate %a, %b, dim = 0 : (tensor<2xi32>, tensor<3xi32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

/// convert f32 -> f16 rounds to nearest even; 1e5 overflows to Inf, NaN stays NaN.
/// (Float -> integer conversions are not folded: XLA saturates, numpy does not.)
// CHECK-LABEL: func.func @fold_convert(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[0x7C00, 9.997550e-02, -0.000000e+00, 0x{{[7F]}}E00]> : tensor<4xf16>
// CHECK-NEXT:    return %[[C]] : tensor<4xf16>
func.func @fold_convert() -> tensor<4xf16> {
  %a = stablehlo.constant dense<[1.0e+05, 0.1, -0.0, 0x7FC00000]> : tensor<4xf32>
  %0 = stablehlo.convert %a : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

/// convert i32 -> i8 keeps the low bits, as XLA does.
// CHECK-LABEL: func.func @fold_convert_int(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<[44, 127, 127]> : tensor<3xi8>
// CHECK-NEXT:    return %[[C]] : tensor<3xi8>
func.func @fold_convert_int() -> tensor<3xi8> {
  %a = stablehlo.constant dense<[300, -129, 127]> : tensor<3xi32>
  %0 = stablehlo.convert %a : (tensor<3xi32>) -> tensor<3xi8>
  return %0 : tensor<3xi8>
}

// -----

/// iota -> the constant it produces, where that is a splat (an iota over a dimension of size 1
/// is zeros): a splat constant is as free as the iota.
// CHECK-LABEL: func.func @fold_iota(
// CHECK-NEXT:    %[[C:.+]] = stablehlo.constant dense<0> : tensor<1x3xi32>
// CHECK-NEXT:    return %[[C]] : tensor<1x3xi32>
func.func @fold_iota() -> tensor<1x3xi32> {
  %0 = stablehlo.iota dim = 0 : tensor<1x3xi32>
  return %0 : tensor<1x3xi32>
}
