/// Bad input: `file:line:col: error: ...` on stderr and a non-zero exit.
// RUN: not stablehlo-eqsat-opt %t.does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: echo -n "" > %t.empty.mlir
// RUN: not stablehlo-eqsat-opt %t.empty.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not stablehlo-eqsat-opt %s 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not stablehlo-eqsat-opt %s 2>/dev/null | FileCheck %s --check-prefix=NOOUT --allow-empty

// NOOUT-NOT: {{.}}
// MISSING: does-not-exist.mlir: error: could not open input file
// EMPTY: empty.mlir:1:1: error: input is empty
// PARSE: bad_input.mlir:[[# @LINE + 4]]:{{[0-9]+}}: error: custom op 'stablehlo.not_an_op' is unknown

/// The parse error; nothing is written to stdout when parsing fails.
func.func @unparsable(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.not_an_op %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
