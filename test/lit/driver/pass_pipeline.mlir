/// --pass-pipeline with pass options, mixed with upstream MLIR passes (symbol-dce removes the
/// unused private function, so upstream passes really run).
// RUN: stablehlo-eqsat-opt %s --pass-pipeline='builtin.module(stablehlo-eqsat{fp-mode=strict max-iterations=2},cse,symbol-dce)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,DCE
// RUN: stablehlo-eqsat-opt %s --pass-pipeline='builtin.module(cse,stablehlo-eqsat-roundtrip{extractor=greedy})' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,KEEP
/// The --<pass-name>[=options] shorthand, with one option and with two separated by a comma,
/// and upstream passes as flags.
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat=fp-mode=strict | FileCheck %s --check-prefixes=CHECK,KEEP
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat=fp-mode=fast,extractor=greedy --cse --symbol-dce \
// RUN:   | FileCheck %s --check-prefixes=CHECK,DCE
// RUN: stablehlo-eqsat-opt %s --stablehlo-eqsat-roundtrip=extractor=greedy-dag --eqsat-stats -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS
/// Both spellings at once is an error.
// RUN: not stablehlo-eqsat-opt %s --stablehlo-eqsat --pass-pipeline='builtin.module(cse)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BOTH

// STATS: [stablehlo-eqsat-roundtrip] @unused_helper: optimized
// STATS: [stablehlo-eqsat-roundtrip] @pipeline_keeps_program: optimized
// BOTH: error: use either --pass-pipeline or --<pass> flags, not both

// KEEP: func.func private @unused_helper
// DCE-NOT: @unused_helper
func.func private @unused_helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @pipeline_keeps_program
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[Y:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[M:.+]] = stablehlo.atan2 %[[X]], %[[Y]] : tensor<4xf32>
// CHECK-NEXT: %[[S:.+]] = stablehlo.sine %[[M]] : tensor<4xf32>
// CHECK-NEXT: return %[[S]] : tensor<4xf32>
func.func @pipeline_keeps_program(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.atan2 %x, %y : tensor<4xf32>
  %1 = stablehlo.sine %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
