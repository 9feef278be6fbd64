/// Bad pipelines and pass options: `stablehlo-eqsat-opt: error: ...` on stderr, exit 1.
// RUN: not stablehlo-eqsat-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PASS
// RUN: not stablehlo-eqsat-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: not stablehlo-eqsat-opt %s --stablehlo-eqsat=no-such-option=1 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not stablehlo-eqsat-opt %s --stablehlo-eqsat=fp-mode=bogus 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not stablehlo-eqsat-opt %s --stablehlo-eqsat=max-iterations=lots 2>&1 | FileCheck %s --check-prefix=INT
// RUN: not stablehlo-eqsat-opt %s --pass-pipeline='builtin.module(stablehlo-eqsat{fp-mode=strict)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MALFORMED

// PASS: stablehlo-eqsat-opt: error: {{.*}}'no-such-pass' does not refer to a registered pass
// OPTION: stablehlo-eqsat-opt: error: pass 'stablehlo-eqsat' has no option 'no-such-option' (options: fp-mode,
// VALUE: stablehlo-eqsat-opt: error: pass 'stablehlo-eqsat': fp-mode must be one of strict, xla, fast, not 'bogus'
// INT: stablehlo-eqsat-opt: error: option 'max-iterations' expects int, got 'lots'
// MALFORMED: stablehlo-eqsat-opt: error: unbalanced brackets or quotes

func.func @valid_input(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
