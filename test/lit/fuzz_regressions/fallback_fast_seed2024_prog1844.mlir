// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat=fp-mode=fast refine=0' -o /dev/null 2>&1 | FileCheck %s --allow-empty
// The pass used to give up on this function (below); it no longer does, and must not again.

/// Found by `stablehlo-eqsat-fuzz --seed 2024` (program 1844, fp-mode=fast).
/// The pass left the function unchanged (lost work): stablehlo-eqsat: function @main left unchanged: EggSmolError: Panic: At 0:0 of : call of primitive vec-get failed
// CHECK-NOT: left unchanged
module {
  func.func public @main(%arg0: tensor<5x4xf32>) -> tensor<5xf32> {
    %cst = stablehlo.constant dense<-0.000000e+00> : tensor<4xf32>
    %0 = stablehlo.dot_general %arg0, %cst, contracting_dims = [1] x [0] : (tensor<5x4xf32>, tensor<4xf32>) -> tensor<5xf32>
    %1 = stablehlo.add %0, %0 : tensor<5xf32>
    return %1 : tensor<5xf32>
  }
}
