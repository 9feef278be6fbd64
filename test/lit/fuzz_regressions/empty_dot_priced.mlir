// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat=fp-mode=xla refine=0' -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --allow-empty

/// Found by `stablehlo-eqsat-fuzz --seed 300` (program 560, fp-mode=xla).
/// The pass left the function unchanged (lost work): pricing the generic dot emitter divided by
/// the rows of a dot with none (`ZeroDivisionError: float division by zero`). Fixed: an empty dot
/// costs a launch.
// CHECK-NOT: left unchanged
module {
  func.func public @main(%arg0: tensor<0x3xi32>) -> tensor<0x2xi32> {
    %c = stablehlo.constant dense<0> : tensor<3x2xi32>
    %0 = stablehlo.dot_general %arg0, %c, contracting_dims = [1] x [0] : (tensor<0x3xi32>, tensor<3x2xi32>) -> tensor<0x2xi32>
    return %0 : tensor<0x2xi32>
  }
}
