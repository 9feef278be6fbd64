/// --eqsat-stats prints one line per function to stderr (stdout keeps only the module).
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat --eqsat-stats 2>&1 >/dev/null | FileCheck %s
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat --eqsat-stats 2>/dev/null | FileCheck %s --check-prefix=OUT
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat 2>&1 | FileCheck %s --check-prefix=QUIET

// CHECK: [stablehlo-eqsat] @stats_first: optimized; graphs 1, terms {{[0-9]+}} -> {{[0-9]+}}, e-graph {{[0-9]+}} rows after {{[0-9]+}} iterations, cost {{.+}} -> {{.+}}, {{[0-9]+}} ms
// CHECK-NEXT: [stablehlo-eqsat] @stats_second: optimized; graphs 1,
// CHECK-NOT: module
// OUT-NOT: [stablehlo-eqsat]
// OUT: func.func @stats_first
// QUIET-NOT: [stablehlo-eqsat]
func.func @stats_first(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @stats_second(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.floor %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
