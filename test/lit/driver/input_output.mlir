/// Input from a file, from stdin ('-' or no positional argument), and output with -o.
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip | FileCheck %s
// RUN: stablehlo-eqsat-opt - --stablehlo-eqsat-roundtrip < %s | FileCheck %s
// RUN: stablehlo-eqsat-opt --stablehlo-eqsat-roundtrip < %s | FileCheck %s
// RUN: rm -f %t.out.mlir
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip -o %t.out.mlir | FileCheck %s --check-prefix=EMPTY --allow-empty
// RUN: cat %t.out.mlir | FileCheck %s
// RUN: FileCheck %s --input-file %t.out.mlir
/// With no pass at all the module is only parsed and printed.
// RUN: stablehlo-eqsat-opt %s | FileCheck %s

// EMPTY-NOT: {{.}}

// CHECK-LABEL: func.func @stdin_file_and_output
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.+]] = stablehlo.abs %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[A]] : tensor<4xf32>
func.func @stdin_file_and_output(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.abs %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
