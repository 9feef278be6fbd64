// RUN: stablehlo-eqsat-opt %s --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip \
// RUN:   | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

/// Dense, splat, bf16 and boolean constants come back with their values and types.
// STATS: @constants_of_each_kind: optimized
// CHECK-LABEL: @constants_of_each_kind
// CHECK-DAG: %[[DENSE:.+]] = stablehlo.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[SPLAT:.+]] = stablehlo.constant dense<5.000000e-01> : tensor<1024xf32>
// CHECK-DAG: %[[BF16:.+]] = stablehlo.constant dense<[1.500000e+00, -2.000000e+00, 3.250000e+00]> : tensor<3xbf16>
// CHECK-DAG: %[[BOOL:.+]] = stablehlo.constant dense<true> : tensor<i1>
// CHECK: return %[[DENSE]], %[[SPLAT]], %[[BF16]], %[[BOOL]]
func.func @constants_of_each_kind() -> (tensor<2x2xf32>, tensor<1024xf32>, tensor<3xbf16>, tensor<i1>) {
  %0 = stablehlo.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %1 = stablehlo.constant dense<0.5> : tensor<1024xf32>
  %2 = stablehlo.constant dense<[1.5, -2.0, 3.25]> : tensor<3xbf16>
  %3 = stablehlo.constant dense<true> : tensor<i1>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<1024xf32>, tensor<3xbf16>, tensor<i1>
}

// -----

/// A complex constant stays an opaque node and comes back verbatim.
// STATS: @complex_constant_stays_opaque: optimized
// CHECK-LABEL: @complex_constant_stays_opaque
// CHECK-NEXT: %[[C:.+]] = stablehlo.constant dense<[(1.000000e+00,2.000000e+00), (3.000000e+00,-4.000000e+00)]> : tensor<2xcomplex<f32>>
// CHECK-NEXT: %[[R:.+]] = stablehlo.real %[[C]]
// CHECK-NEXT: return %[[C]], %[[R]]
func.func @complex_constant_stays_opaque() -> (tensor<2xcomplex<f32>>, tensor<2xf32>) {
  %0 = stablehlo.constant dense<[(1.0, 2.0), (3.0, -4.0)]> : tensor<2xcomplex<f32>>
  %1 = stablehlo.real %0 : (tensor<2xcomplex<f32>>) -> tensor<2xf32>
  return %0, %1 : tensor<2xcomplex<f32>>, tensor<2xf32>
}

// -----

/// A large non-splat constant keeps every element (MLIR prints it as hex).
// STATS: @large_constant: optimized
// CHECK-LABEL: @large_constant
// CHECK-NEXT: %[[C:.+]] = stablehlo.constant dense<"0x0000000001000000020000000300000004000000{{[0-9A-F]+}}2B010000"> : tensor<300xi32>
// CHECK-NEXT: return %[[C]] : tensor<300xi32>
func.func @large_constant() -> tensor<300xi32> {
  %0 = stablehlo.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299]> : tensor<300xi32>
  return %0 : tensor<300xi32>
}

// -----

/// Identical constants are one e-class: the round trip merges them (as CSE would), and the
/// identical adds that use them merge too.
// STATS: @duplicate_constants_merge: optimized
// CHECK-LABEL: @duplicate_constants_merge
// CHECK-NEXT: %[[C:.+]] = stablehlo.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NOT: stablehlo.constant
// CHECK-NEXT: %[[A:.+]] = stablehlo.add %[[C]], %[[C]]
// CHECK-NOT: stablehlo.add
// CHECK-NEXT: return %[[A]], %[[A]]
func.func @duplicate_constants_merge() -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %1 = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %2 = stablehlo.add %0, %1 : tensor<4xf32>
  %3 = stablehlo.add %0, %1 : tensor<4xf32>
  return %2, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// iota keeps its dimension and element type.
// STATS: @iota_roundtrip: optimized
// CHECK-LABEL: @iota_roundtrip
// CHECK-DAG: %[[I:.+]] = stablehlo.iota dim = 0 : tensor<4xi32>
// CHECK-DAG: %[[F:.+]] = stablehlo.iota dim = 1 : tensor<2x3xf32>
// CHECK: return %[[I]], %[[F]]
func.func @iota_roundtrip() -> (tensor<4xi32>, tensor<2x3xf32>) {
  %0 = stablehlo.iota dim = 0 : tensor<4xi32>
  %1 = stablehlo.iota dim = 1 : tensor<2x3xf32>
  return %0, %1 : tensor<4xi32>, tensor<2x3xf32>
}
