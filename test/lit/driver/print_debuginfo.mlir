/// --mlir-print-debuginfo prints locations; without it none are printed.
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip --mlir-print-debuginfo | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip | FileCheck %s --check-prefix=NOLOC

// CHECK-LABEL: func.func @named_locations
// CHECK: stablehlo.cosine {{.*}} loc(#[[LOC:.+]])
// CHECK-DAG: #[[LOC]] = loc("jit(f)/cos"(#{{.+}}))
// CHECK-DAG: = loc("f.py":3:7)
// NOLOC-LABEL: func.func @named_locations
// NOLOC-NOT: loc(
func.func @named_locations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.cosine %x : tensor<4xf32> loc("jit(f)/cos"("f.py":3:7))
  return %0 : tensor<4xf32>
}
