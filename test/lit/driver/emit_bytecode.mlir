/// --emit-bytecode writes MLIR bytecode (the tool refuses to split it, so it is not text); it reads
/// bytecode back (from a file or stdin) and prints it as text.
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip --emit-bytecode -o %t.mlirbc
// RUN: stablehlo-eqsat-opt %t.mlirbc | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --emit-bytecode | stablehlo-eqsat-opt --stablehlo-eqsat-roundtrip | FileCheck %s
/// Bytecode cannot be split, and several chunks cannot become one bytecode file.
// RUN: not stablehlo-eqsat-opt %t.mlirbc --split-input-file 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: not stablehlo-eqsat-opt %s --split-input-file --emit-bytecode -o %t.two.mlirbc 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CHUNKS

// SPLIT: error: --split-input-file needs text input, not bytecode
// CHUNKS: error: --emit-bytecode cannot be combined with several chunks

// CHECK-LABEL: func.func @bytecode_roundtrip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[T:.+]] = stablehlo.transpose %[[X]], dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @bytecode_roundtrip(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @second_chunk() {
  return
}
