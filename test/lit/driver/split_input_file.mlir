/// --split-input-file processes each chunk on its own and joins the outputs with `// -----`;
/// without it, the separators are plain comments and the whole file is one module.
// RUN: stablehlo-eqsat-opt %s --split-input-file --stablehlo-eqsat-roundtrip | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip | FileCheck %s --check-prefix=WHOLE

// CHECK: module {
// CHECK-NEXT: func.func @first_chunk
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @second_chunk
// CHECK-NOT: // -----

// WHOLE: module {
// WHOLE-NEXT: func.func @first_chunk
// WHOLE-NOT: // -----
// WHOLE: func.func @second_chunk
// WHOLE-NOT: // -----
func.func @first_chunk(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.floor %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @second_chunk(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.ceil %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
