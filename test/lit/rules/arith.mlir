// Rules of the `arith` family (rules/arith.py): one function per rule, named after it in
// snake_case (several cases of one rule carry a suffix). Every RUN line enables one set of rules
// (`only-rules`) under one `--fp-mode`; each function is checked only by the RUN lines whose
// rule set it was written for, so the output shows its rule and nothing else.
//
//  * The simplifying rules remove or cheapen an op: each function holds one instance and the
//    output is the simplified program. They run under the three fp-modes: CHECK holds in all
//    of them (exact rules), STRICT / STRICT-XLA / XLA-FAST / FAST where the mode decides.
//  * The other rules (commutativity, associativity, and the expanding direction of a rule
//    pair) do not make the program cheaper on their own. Each of those functions computes both
//    sides of the rule and returns them: once the rule fires they are one e-class, and the
//    extracted program computes the value once (MERGE, MERGE-STRICT, MERGE-FAST). The inverse
//    rules of a pair live in the other set, so each merge is the work of the rule under test.
//
// DEFINE: %{identities} = max-neg-inf|min-inf|add-neg-zero|add-zero|add-zero-int|sub-zero|mul-one|div-one|div-neg-one|mul-two|pow-one|pow-two|and-ones|and-true|or-zero|xor-zero|shl-zero|shr-zero
// DEFINE: %{annihilators} = mul-zero-int|mul-zero|sub-self-int|sub-self|and-zero|xor-self|or-ones|or-true
// DEFINE: %{idempotent} = max-self|min-self|and-self|or-self|abs-abs|abs-neg|neg-neg|not-not|rounding-idempotent
// DEFINE: %{negation} = add-neg-to-sub|neg-mul-in|neg-mul-neg|neg-sub|neg-sub-int|add-neg-self
// DEFINE: %{factoring} = factor-mul-add|factor-mul-add-int|factor-mul-sub|factor-div-add|exp-mul-merge|log-exp|rsqrt-from-div|sqrt-square|cos-neg
// DEFINE: %{select} = select-same|select-true|select-false|select-not|compare-self-int|select-to-minmax-int|select-to-minmax|convert-widen-chain|convert-roundtrip
// DEFINE: %{simplify} = %{identities}|%{annihilators}|%{idempotent}|%{negation}|%{factoring}|%{select}
// DEFINE: %{reorder} = add-commute|mul-commute|and-commute|or-commute|xor-commute|max-commute|min-commute|add-assoc|add-assoc-int|mul-assoc|mul-assoc-int|max-assoc|min-assoc|and-assoc|or-assoc
// DEFINE: %{expand} = mul-neg-one|sub-to-add-neg|neg-mul-out|neg-div-out|distribute-mul-add|add-self-to-mul|exp-add|div-sqrt-to-mul-rsqrt|odd-function-neg|clamp-to-minmax
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{simplify}' | FileCheck %s --check-prefixes=CHECK,STRICT,STRICT-XLA
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=xla only-rules=%{simplify}' | FileCheck %s --check-prefixes=CHECK,XLA-FAST,STRICT-XLA
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast only-rules=%{simplify}' | FileCheck %s --check-prefixes=CHECK,XLA-FAST,FAST
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict only-rules=%{reorder}|%{expand}' | FileCheck %s --check-prefixes=MERGE,MERGE-STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast only-rules=%{reorder}|%{expand}' | FileCheck %s --check-prefixes=MERGE,MERGE-FAST

// ===-- Commutativity --------------------------------------------------------------------------

/// add(x, y) -> add(y, x): IEEE addition commutes, NaN and signed zeros included (exact).
/// Both orders are computed; after the rewrite the sum is computed once.
// MERGE-LABEL: func.func @add_commute(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[SUM:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-NEXT:    return %[[SUM]], %[[SUM]]
func.func @add_commute(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %x, %y : tensor<4xf32>
  %1 = stablehlo.add %y, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// multiply(x, y) -> multiply(y, x) (exact).
// MERGE-LABEL: func.func @mul_commute(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[PROD:.+]] = stablehlo.multiply %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-NEXT:    return %[[PROD]], %[[PROD]]
func.func @mul_commute(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.multiply %x, %y : tensor<4xf32>
  %1 = stablehlo.multiply %y, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// and(x, y) -> and(y, x) (exact: bitwise).
// MERGE-LABEL: func.func @and_commute(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>)
// MERGE-NEXT:    %[[R:.+]] = stablehlo.and %[[X]], %[[Y]] : tensor<4xi32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @and_commute(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.and %x, %y : tensor<4xi32>
  %1 = stablehlo.and %y, %x : tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// or(x, y) -> or(y, x) (exact).
// MERGE-LABEL: func.func @or_commute(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>)
// MERGE-NEXT:    %[[R:.+]] = stablehlo.or %[[X]], %[[Y]] : tensor<4xi32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @or_commute(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.or %x, %y : tensor<4xi32>
  %1 = stablehlo.or %y, %x : tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// xor(x, y) -> xor(y, x) (exact).
// MERGE-LABEL: func.func @xor_commute(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>)
// MERGE-NEXT:    %[[R:.+]] = stablehlo.xor %[[X]], %[[Y]] : tensor<4xi32>
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @xor_commute(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.xor %x, %y : tensor<4xi32>
  %1 = stablehlo.xor %y, %x : tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// maximum(x, y) -> maximum(y, x). maximum(+0, -0) may return either zero, so commuting can flip
/// the sign of a zero result: `no-signed-zero`, fast mode only.
// MERGE-LABEL:       func.func @max_commute(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:   %[[A:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-STRICT-NEXT:   %[[B:.+]] = stablehlo.maximum %[[Y]], %[[X]] : tensor<4xf32>
// MERGE-STRICT-NEXT:   return %[[A]], %[[B]]
// MERGE-FAST-NEXT:     %[[R:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[R]], %[[R]]
func.func @max_commute(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.maximum %x, %y : tensor<4xf32>
  %1 = stablehlo.maximum %y, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// minimum(x, y) -> minimum(y, x) (`no-signed-zero`, as for maximum).
// MERGE-LABEL:       func.func @min_commute(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:   %[[A:.+]] = stablehlo.minimum %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-STRICT-NEXT:   %[[B:.+]] = stablehlo.minimum %[[Y]], %[[X]] : tensor<4xf32>
// MERGE-STRICT-NEXT:   return %[[A]], %[[B]]
// MERGE-FAST-NEXT:     %[[R:.+]] = stablehlo.minimum %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[R]], %[[R]]
func.func @min_commute(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.minimum %x, %y : tensor<4xf32>
  %1 = stablehlo.minimum %y, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// ===-- Associativity --------------------------------------------------------------------------
// With the commutativity rules in the same set, which two operands the extracted program adds
// first is the extractor's choice: the checks only require one chain of two ops for both results.

/// add(add(x, y), z) -> add(x, add(y, z)): changes rounding for floats (`reassoc`, fast only).
// MERGE-LABEL:       func.func @add_assoc(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:   %[[XY:.+]] = stablehlo.add %[[X]], %[[Y]]
// MERGE-STRICT-NEXT:   %[[XY_Z:.+]] = stablehlo.add %[[XY]], %[[Z]]
// MERGE-STRICT-NEXT:   %[[YZ:.+]] = stablehlo.add %[[Y]], %[[Z]]
// MERGE-STRICT-NEXT:   %[[X_YZ:.+]] = stablehlo.add %[[X]], %[[YZ]]
// MERGE-STRICT-NEXT:   return %[[XY_Z]], %[[X_YZ]]
// MERGE-FAST-NEXT:     %[[INNER:.+]] = stablehlo.add
// MERGE-FAST-NEXT:     %[[OUTER:.+]] = stablehlo.add {{.*}}%[[INNER]]
// MERGE-FAST-NEXT:     return %[[OUTER]], %[[OUTER]]
func.func @add_assoc(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %x, %y : tensor<4xf32>
  %1 = stablehlo.add %0, %z : tensor<4xf32>
  %2 = stablehlo.add %y, %z : tensor<4xf32>
  %3 = stablehlo.add %x, %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// The same for integers, where wraparound addition associates (exact).
// MERGE-LABEL: func.func @add_assoc_int(
// MERGE-NEXT:    %[[INNER:.+]] = stablehlo.add
// MERGE-NEXT:    %[[OUTER:.+]] = stablehlo.add {{.*}}%[[INNER]]
// MERGE-NEXT:    return %[[OUTER]], %[[OUTER]]
func.func @add_assoc_int(%x: tensor<4xi32>, %y: tensor<4xi32>, %z: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.add %x, %y : tensor<4xi32>
  %1 = stablehlo.add %0, %z : tensor<4xi32>
  %2 = stablehlo.add %y, %z : tensor<4xi32>
  %3 = stablehlo.add %x, %2 : tensor<4xi32>
  return %1, %3 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// multiply(multiply(x, y), z) -> multiply(x, multiply(y, z)) (`reassoc`, fast only).
// MERGE-LABEL:       func.func @mul_assoc(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:   %[[XY:.+]] = stablehlo.multiply %[[X]], %[[Y]]
// MERGE-STRICT-NEXT:   %[[XY_Z:.+]] = stablehlo.multiply %[[XY]], %[[Z]]
// MERGE-STRICT-NEXT:   %[[YZ:.+]] = stablehlo.multiply %[[Y]], %[[Z]]
// MERGE-STRICT-NEXT:   %[[X_YZ:.+]] = stablehlo.multiply %[[X]], %[[YZ]]
// MERGE-STRICT-NEXT:   return %[[XY_Z]], %[[X_YZ]]
// MERGE-FAST-NEXT:     %[[INNER:.+]] = stablehlo.multiply
// MERGE-FAST-NEXT:     %[[OUTER:.+]] = stablehlo.multiply {{.*}}%[[INNER]]
// MERGE-FAST-NEXT:     return %[[OUTER]], %[[OUTER]]
func.func @mul_assoc(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.multiply %x, %y : tensor<4xf32>
  %1 = stablehlo.multiply %0, %z : tensor<4xf32>
  %2 = stablehlo.multiply %y, %z : tensor<4xf32>
  %3 = stablehlo.multiply %x, %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// Integer multiplication associates under wraparound (exact).
// MERGE-LABEL: func.func @mul_assoc_int(
// MERGE-NEXT:    %[[INNER:.+]] = stablehlo.multiply
// MERGE-NEXT:    %[[OUTER:.+]] = stablehlo.multiply {{.*}}%[[INNER]]
// MERGE-NEXT:    return %[[OUTER]], %[[OUTER]]
func.func @mul_assoc_int(%x: tensor<4xi32>, %y: tensor<4xi32>, %z: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.multiply %x, %y : tensor<4xi32>
  %1 = stablehlo.multiply %0, %z : tensor<4xi32>
  %2 = stablehlo.multiply %y, %z : tensor<4xi32>
  %3 = stablehlo.multiply %x, %2 : tensor<4xi32>
  return %1, %3 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// maximum is a selection, so it associates; only which of two equal zeros wins may change
/// (`no-signed-zero`, fast only).
// MERGE-LABEL:       func.func @max_assoc(
// MERGE-STRICT-COUNT-4: stablehlo.maximum
// MERGE-STRICT-NEXT:   return
// MERGE-FAST-NEXT:     %[[INNER:.+]] = stablehlo.maximum
// MERGE-FAST-NEXT:     %[[OUTER:.+]] = stablehlo.maximum {{.*}}%[[INNER]]
// MERGE-FAST-NEXT:     return %[[OUTER]], %[[OUTER]]
func.func @max_assoc(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.maximum %x, %y : tensor<4xf32>
  %1 = stablehlo.maximum %0, %z : tensor<4xf32>
  %2 = stablehlo.maximum %y, %z : tensor<4xf32>
  %3 = stablehlo.maximum %x, %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// minimum associates (`no-signed-zero`, fast only).
// MERGE-LABEL:       func.func @min_assoc(
// MERGE-STRICT-COUNT-4: stablehlo.minimum
// MERGE-STRICT-NEXT:   return
// MERGE-FAST-NEXT:     %[[INNER:.+]] = stablehlo.minimum
// MERGE-FAST-NEXT:     %[[OUTER:.+]] = stablehlo.minimum {{.*}}%[[INNER]]
// MERGE-FAST-NEXT:     return %[[OUTER]], %[[OUTER]]
func.func @min_assoc(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.minimum %x, %y : tensor<4xf32>
  %1 = stablehlo.minimum %0, %z : tensor<4xf32>
  %2 = stablehlo.minimum %y, %z : tensor<4xf32>
  %3 = stablehlo.minimum %x, %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// and(and(x, y), z) -> and(x, and(y, z)) (exact).
// MERGE-LABEL: func.func @and_assoc(
// MERGE-NEXT:    %[[INNER:.+]] = stablehlo.and
// MERGE-NEXT:    %[[OUTER:.+]] = stablehlo.and {{.*}}%[[INNER]]
// MERGE-NEXT:    return %[[OUTER]], %[[OUTER]]
func.func @and_assoc(%x: tensor<4xi32>, %y: tensor<4xi32>, %z: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.and %x, %y : tensor<4xi32>
  %1 = stablehlo.and %0, %z : tensor<4xi32>
  %2 = stablehlo.and %y, %z : tensor<4xi32>
  %3 = stablehlo.and %x, %2 : tensor<4xi32>
  return %1, %3 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// or(or(x, y), z) -> or(x, or(y, z)) (exact).
// MERGE-LABEL: func.func @or_assoc(
// MERGE-NEXT:    %[[INNER:.+]] = stablehlo.or
// MERGE-NEXT:    %[[OUTER:.+]] = stablehlo.or {{.*}}%[[INNER]]
// MERGE-NEXT:    return %[[OUTER]], %[[OUTER]]
func.func @or_assoc(%x: tensor<4xi32>, %y: tensor<4xi32>, %z: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.or %x, %y : tensor<4xi32>
  %1 = stablehlo.or %0, %z : tensor<4xi32>
  %2 = stablehlo.or %y, %z : tensor<4xi32>
  %3 = stablehlo.or %x, %2 : tensor<4xi32>
  return %1, %3 : tensor<4xi32>, tensor<4xi32>
}

// -----

// ===-- Identities -----------------------------------------------------------------------------

/// add(x, -0.0) -> x: x + -0 is x for every x, -0 and NaN included (exact).
// CHECK-LABEL: func.func @add_neg_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @add_neg_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<-0.0> : tensor<4xf32>
  %0 = stablehlo.add %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// add(x, +0.0) -> x: wrong only for x = -0 (-0 + +0 is +0), so `no-signed-zero`; XLA's own
/// simplifier does it too, so the default --fp-mode=xla allows it. Strict mode keeps the add.
// STRICT-LABEL:    func.func @add_zero(
// STRICT:            %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// STRICT-NEXT:       %[[SUM:.+]] = stablehlo.add %{{.+}}, %[[ZERO]]
// STRICT-NEXT:       return %[[SUM]]
// XLA-FAST-LABEL:  func.func @add_zero(
// XLA-FAST-SAME:     %[[X:[^:]+]]: tensor<4xf32>)
// XLA-FAST-NEXT:     return %[[X]] : tensor<4xf32>
func.func @add_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<4xf32>
  %0 = stablehlo.add %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// The zero may be a broadcast scalar constant: splat values are seen through broadcast_in_dim.
// STRICT-LABEL:    func.func @add_zero_broadcast_scalar(
// STRICT:            stablehlo.broadcast_in_dim
// STRICT-NEXT:       stablehlo.add
// XLA-FAST-LABEL:  func.func @add_zero_broadcast_scalar(
// XLA-FAST-SAME:     %[[X:[^:]+]]: tensor<2x3xf32>)
// XLA-FAST-NEXT:     return %[[X]] : tensor<2x3xf32>
func.func @add_zero_broadcast_scalar(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %z = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<2x3xf32>
  %0 = stablehlo.add %x, %z : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

/// add(x, 0) -> x for integers (exact).
// CHECK-LABEL: func.func @add_zero_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @add_zero_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.add %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// subtract(x, +0.0) -> x: exact, -0 - +0 is -0.
// CHECK-LABEL: func.func @sub_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @sub_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<4xf32>
  %0 = stablehlo.subtract %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// multiply(x, 1) -> x (exact).
// CHECK-LABEL: func.func @mul_one(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @mul_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<4xf32>
  %0 = stablehlo.multiply %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// divide(x, 1) -> x (exact).
// CHECK-LABEL: func.func @div_one(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @div_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<4xf32>
  %0 = stablehlo.divide %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// multiply(x, -1) -> negate(x) (exact). A negate costs what the multiply costs, so the function
/// computes both and the rule makes them one value (which of the two is kept is a tie).
// MERGE-LABEL: func.func @mul_neg_one(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %{{.+}} = stablehlo.constant dense<-1.000000e+00> : tensor<4xf32>
// MERGE-NEXT:    %[[R:.+]] = stablehlo.{{multiply|negate}} %[[X]]
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @mul_neg_one(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = stablehlo.constant dense<-1.0> : tensor<4xf32>
  %0 = stablehlo.multiply %x, %c : tensor<4xf32>
  %1 = stablehlo.negate %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// The same for integers: x * -1 and -x wrap the same way at the minimum value.
// MERGE-LABEL: func.func @mul_neg_one_int(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// MERGE-NEXT:    %{{.+}} = stablehlo.constant dense<-1> : tensor<4xi32>
// MERGE-NEXT:    %[[R:.+]] = stablehlo.{{multiply|negate}} %[[X]]
// MERGE-NEXT:    return %[[R]], %[[R]]
func.func @mul_neg_one_int(%x: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %c = stablehlo.constant dense<-1> : tensor<4xi32>
  %0 = stablehlo.multiply %x, %c : tensor<4xi32>
  %1 = stablehlo.negate %x : tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// divide(x, -1) -> negate(x) (exact for floats).
// CHECK-LABEL: func.func @div_neg_one(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[NEG:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[NEG]]
func.func @div_neg_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<-1.0> : tensor<4xf32>
  %0 = stablehlo.divide %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// multiply(x, 2) -> add(x, x): both are the one correctly rounded value of 2x (exact).
// CHECK-LABEL: func.func @mul_two(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[SUM:.+]] = stablehlo.add %[[X]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[SUM]]
func.func @mul_two(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<2.0> : tensor<4xf32>
  %0 = stablehlo.multiply %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// power(x, 1) -> x (exact).
// CHECK-LABEL: func.func @pow_one(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @pow_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<4xf32>
  %0 = stablehlo.power %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// power(x, 2) -> multiply(x, x): pow may round differently from x*x (`reassoc`), but XLA does
/// this itself, so xla and fast modes allow it.
// STRICT-LABEL:    func.func @pow_two(
// STRICT:            stablehlo.power
// XLA-FAST-LABEL:  func.func @pow_two(
// XLA-FAST-SAME:     %[[X:[^:]+]]: tensor<4xf32>)
// XLA-FAST-NEXT:     %[[SQ:.+]] = stablehlo.multiply %[[X]], %[[X]] : tensor<4xf32>
// XLA-FAST-NEXT:     return %[[SQ]]
func.func @pow_two(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<2.0> : tensor<4xf32>
  %0 = stablehlo.power %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// and(x, all ones) -> x for integers (exact).
// CHECK-LABEL: func.func @and_ones(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @and_ones(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<-1> : tensor<4xi32>
  %0 = stablehlo.and %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// and(x, true) -> x for booleans (exact).
// CHECK-LABEL: func.func @and_true(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi1>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi1>
func.func @and_true(%x: tensor<4xi1>) -> tensor<4xi1> {
  %c = stablehlo.constant dense<true> : tensor<4xi1>
  %0 = stablehlo.and %x, %c : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

/// or(x, 0) -> x (exact).
// CHECK-LABEL: func.func @or_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @or_zero(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.or %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// xor(x, 0) -> x (exact).
// CHECK-LABEL: func.func @xor_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @xor_zero(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.xor %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// shift_left(x, 0) -> x (exact).
// CHECK-LABEL: func.func @shl_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @shl_zero(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.shift_left %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// shift_right_logical(x, 0) -> x (exact).
// CHECK-LABEL: func.func @shr_zero(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @shr_zero(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.shift_right_logical %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// ===-- Annihilators ---------------------------------------------------------------------------

/// multiply(x, 0) -> 0 for integers (exact).
// CHECK-LABEL: func.func @mul_zero_int(
// CHECK-NEXT:    %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    return %[[ZERO]]
func.func @mul_zero_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.multiply %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// multiply(x, 0.0) -> 0.0: NaN and ±Inf give NaN, negative x gives -0 (`finite`,
/// `no-signed-zero`: fast mode only).
// STRICT-XLA-LABEL: func.func @mul_zero(
// STRICT-XLA:         stablehlo.multiply
// FAST-LABEL:       func.func @mul_zero(
// FAST-NEXT:          %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// FAST-NEXT:          return %[[ZERO]]
func.func @mul_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<4xf32>
  %0 = stablehlo.multiply %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// subtract(x, x) -> 0 for integers (exact).
// CHECK-LABEL: func.func @sub_self_int(
// CHECK-NEXT:    %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    return %[[ZERO]]
func.func @sub_self_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.subtract %x, %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// subtract(x, x) -> 0.0: Inf - Inf and NaN - NaN are NaN (`finite`: fast mode only).
// STRICT-XLA-LABEL: func.func @sub_self(
// STRICT-XLA-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// STRICT-XLA-NEXT:    stablehlo.subtract %[[X]], %[[X]]
// FAST-LABEL:       func.func @sub_self(
// FAST-NEXT:          %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// FAST-NEXT:          return %[[ZERO]]
func.func @sub_self(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.subtract %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// and(x, 0) -> 0 (exact).
// CHECK-LABEL: func.func @and_zero(
// CHECK-NEXT:    %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    return %[[ZERO]]
func.func @and_zero(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<0> : tensor<4xi32>
  %0 = stablehlo.and %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// xor(x, x) -> 0 (exact).
// CHECK-LABEL: func.func @xor_self(
// CHECK-NEXT:    %[[ZERO:.+]] = stablehlo.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    return %[[ZERO]]
func.func @xor_self(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.xor %x, %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// or(x, all ones) -> all ones (exact).
// CHECK-LABEL: func.func @or_ones(
// CHECK-NEXT:    %[[ONES:.+]] = stablehlo.constant dense<-1> : tensor<4xi32>
// CHECK-NEXT:    return %[[ONES]]
func.func @or_ones(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<-1> : tensor<4xi32>
  %0 = stablehlo.or %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// or(x, true) -> true for booleans (exact).
// CHECK-LABEL: func.func @or_true(
// CHECK-NEXT:    %[[TRUE:.+]] = stablehlo.constant dense<true> : tensor<4xi1>
// CHECK-NEXT:    return %[[TRUE]]
func.func @or_true(%x: tensor<4xi1>) -> tensor<4xi1> {
  %c = stablehlo.constant dense<true> : tensor<4xi1>
  %0 = stablehlo.or %x, %c : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// ===-- Idempotence ----------------------------------------------------------------------------

/// maximum(x, x) -> x (exact: NaN in, NaN out).
// CHECK-LABEL: func.func @max_self(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @max_self(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.maximum %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// minimum(x, x) -> x (exact).
// CHECK-LABEL: func.func @min_self(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @min_self(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.minimum %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// and(x, x) -> x (exact).
// CHECK-LABEL: func.func @and_self(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @and_self(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.and %x, %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// or(x, x) -> x (exact).
// CHECK-LABEL: func.func @or_self(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @or_self(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.or %x, %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

/// abs(abs(x)) -> abs(x) (exact).
// CHECK-LABEL: func.func @abs_abs(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ABS:.+]] = stablehlo.abs %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[ABS]]
func.func @abs_abs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.abs %x : tensor<4xf32>
  %1 = stablehlo.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// abs(negate(x)) -> abs(x) (exact: both clear the sign bit).
// CHECK-LABEL: func.func @abs_neg(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ABS:.+]] = stablehlo.abs %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[ABS]]
func.func @abs_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// For integers too: abs(-INT_MIN) and abs(INT_MIN) both wrap to INT_MIN.
// CHECK-LABEL: func.func @abs_neg_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[ABS:.+]] = stablehlo.abs %[[X]] : tensor<4xi32>
// CHECK-NEXT:    return %[[ABS]]
func.func @abs_neg_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.negate %x : tensor<4xi32>
  %1 = stablehlo.abs %0 : tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

/// negate(negate(x)) -> x (exact).
// CHECK-LABEL: func.func @neg_neg(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @neg_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.negate %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// not(not(x)) -> x (exact).
// CHECK-LABEL: func.func @not_not(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi32>
func.func @not_not(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.not %x : tensor<4xi32>
  %1 = stablehlo.not %0 : tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

/// floor(floor(x)) -> floor(x); likewise ceil, both round_nearest ops and sign (exact).
// CHECK-LABEL: func.func @rounding_idempotent_floor(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.floor %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rounding_idempotent_floor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.floor %x : tensor<4xf32>
  %1 = stablehlo.floor %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @rounding_idempotent_ceil(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.ceil %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rounding_idempotent_ceil(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.ceil %x : tensor<4xf32>
  %1 = stablehlo.ceil %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @rounding_idempotent_round_even(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.round_nearest_even %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rounding_idempotent_round_even(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.round_nearest_even %x : tensor<4xf32>
  %1 = stablehlo.round_nearest_even %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @rounding_idempotent_round_afz(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.round_nearest_afz %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rounding_idempotent_round_afz(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.round_nearest_afz %x : tensor<4xf32>
  %1 = stablehlo.round_nearest_afz %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @rounding_idempotent_sign(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.+]] = stablehlo.sign %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rounding_idempotent_sign(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.sign %x : tensor<4xf32>
  %1 = stablehlo.sign %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// ===-- Negation -------------------------------------------------------------------------------

/// subtract(x, y) -> add(x, negate(y)): exact in IEEE arithmetic and in wraparound integers.
/// The subtraction is cheaper, so the rule shows as the two forms becoming one.
// MERGE-LABEL: func.func @sub_to_add_neg(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[D:.+]] = stablehlo.subtract %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-NEXT:    return %[[D]], %[[D]]
func.func @sub_to_add_neg(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.subtract %x, %y : tensor<4xf32>
  %1 = stablehlo.negate %y : tensor<4xf32>
  %2 = stablehlo.add %x, %1 : tensor<4xf32>
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// add(x, negate(y)) -> subtract(x, y) (exact).
// CHECK-LABEL: func.func @add_neg_to_sub(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[D:.+]] = stablehlo.subtract %[[X]], %[[Y]] : tensor<4xf32>
// CHECK-NEXT:    return %[[D]]
func.func @add_neg_to_sub(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %y : tensor<4xf32>
  %1 = stablehlo.add %x, %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// multiply(negate(x), y) -> negate(multiply(x, y)): the sign is applied exactly (exact).
// MERGE-LABEL: func.func @neg_mul_out(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[NEG:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// MERGE-NEXT:    %[[P:.+]] = stablehlo.multiply %[[NEG]], %[[Y]] : tensor<4xf32>
// MERGE-NEXT:    return %[[P]], %[[P]]
func.func @neg_mul_out(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.multiply %0, %y : tensor<4xf32>
  %2 = stablehlo.multiply %x, %y : tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// negate(multiply(x, y)) -> multiply(negate(x), y), the other direction (exact). It is tested
/// with the simplifying rules, away from neg-mul-out.
// CHECK-LABEL: func.func @neg_mul_in(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[NEG:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[NEG]], %[[Y]] : tensor<4xf32>
// CHECK-NEXT:    return %[[P]], %[[P]]
func.func @neg_mul_in(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.multiply %x, %y : tensor<4xf32>
  %1 = stablehlo.negate %0 : tensor<4xf32>
  %2 = stablehlo.negate %x : tensor<4xf32>
  %3 = stablehlo.multiply %2, %y : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// multiply(negate(x), negate(y)) -> multiply(x, y) (exact).
// CHECK-LABEL: func.func @neg_mul_neg(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[Y]] : tensor<4xf32>
// CHECK-NEXT:    return %[[P]]
func.func @neg_mul_neg(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.negate %y : tensor<4xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// divide(negate(x), y) -> negate(divide(x, y)) (exact).
// MERGE-LABEL: func.func @neg_div_out(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[NEG:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// MERGE-NEXT:    %[[Q:.+]] = stablehlo.divide %[[NEG]], %[[Y]] : tensor<4xf32>
// MERGE-NEXT:    return %[[Q]], %[[Q]]
func.func @neg_div_out(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.divide %0, %y : tensor<4xf32>
  %2 = stablehlo.divide %x, %y : tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// negate(subtract(x, y)) -> subtract(y, x): for x == y the left side is -0, the right +0
/// (`no-signed-zero`: fast mode only).
// STRICT-XLA-LABEL: func.func @neg_sub(
// STRICT-XLA:         stablehlo.subtract
// STRICT-XLA-NEXT:    stablehlo.negate
// FAST-LABEL:       func.func @neg_sub(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[D:.+]] = stablehlo.subtract %[[Y]], %[[X]] : tensor<4xf32>
// FAST-NEXT:          return %[[D]]
func.func @neg_sub(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.subtract %x, %y : tensor<4xf32>
  %1 = stablehlo.negate %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// The same for integers, where it is exact.
// CHECK-LABEL: func.func @neg_sub_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[D:.+]] = stablehlo.subtract %[[Y]], %[[X]] : tensor<4xi32>
// CHECK-NEXT:    return %[[D]]
func.func @neg_sub_int(%x: tensor<4xi32>, %y: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.subtract %x, %y : tensor<4xi32>
  %1 = stablehlo.negate %0 : tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

/// add(x, negate(x)) -> 0.0: Inf + -Inf is NaN (`finite`: fast mode only). In strict mode the
/// exact add-neg-to-sub still turns it into x - x, which stays.
// STRICT-XLA-LABEL: func.func @add_neg_self(
// STRICT-XLA-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// STRICT-XLA-NEXT:    %[[D:.+]] = stablehlo.subtract %[[X]], %[[X]] : tensor<4xf32>
// STRICT-XLA-NEXT:    return %[[D]]
// FAST-LABEL:       func.func @add_neg_self(
// FAST-NEXT:          %[[ZERO:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// FAST-NEXT:          return %[[ZERO]]
func.func @add_neg_self(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.add %x, %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// ===-- Distributivity -------------------------------------------------------------------------

/// add(multiply(x, y), multiply(x, z)) -> multiply(x, add(y, z)): one multiply fewer, different
/// rounding (`reassoc`: fast mode only).
// STRICT-XLA-LABEL: func.func @factor_mul_add(
// STRICT-XLA-COUNT-2: stablehlo.multiply
// STRICT-XLA-NEXT:    stablehlo.add
// FAST-LABEL:       func.func @factor_mul_add(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[S:.+]] = stablehlo.add %[[Y]], %[[Z]] : tensor<4xf32>
// FAST-NEXT:          %[[P:.+]] = stablehlo.multiply %[[X]], %[[S]] : tensor<4xf32>
// FAST-NEXT:          return %[[P]]
func.func @factor_mul_add(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.multiply %x, %y : tensor<4xf32>
  %1 = stablehlo.multiply %x, %z : tensor<4xf32>
  %2 = stablehlo.add %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// multiply(x, add(y, z)) -> add(multiply(x, y), multiply(x, z)), the expanding direction
/// (`reassoc`: fast mode only).
// MERGE-LABEL:         func.func @distribute_mul_add(
// MERGE-SAME:            %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:     stablehlo.add
// MERGE-STRICT-COUNT-3:  stablehlo.multiply
// MERGE-STRICT-NEXT:     stablehlo.add
// MERGE-FAST-NEXT:       %[[S:.+]] = stablehlo.add %[[Y]], %[[Z]] : tensor<4xf32>
// MERGE-FAST-NEXT:       %[[P:.+]] = stablehlo.multiply %[[X]], %[[S]] : tensor<4xf32>
// MERGE-FAST-NEXT:       return %[[P]], %[[P]]
func.func @distribute_mul_add(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %y, %z : tensor<4xf32>
  %1 = stablehlo.multiply %x, %0 : tensor<4xf32>
  %2 = stablehlo.multiply %x, %y : tensor<4xf32>
  %3 = stablehlo.multiply %x, %z : tensor<4xf32>
  %4 = stablehlo.add %2, %3 : tensor<4xf32>
  return %1, %4 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// Factoring integers is exact under wraparound.
// CHECK-LABEL: func.func @factor_mul_add_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>, %[[Z:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.add %[[Y]], %[[Z]] : tensor<4xi32>
// CHECK-NEXT:    %[[P:.+]] = stablehlo.multiply %[[X]], %[[S]] : tensor<4xi32>
// CHECK-NEXT:    return %[[P]]
func.func @factor_mul_add_int(%x: tensor<4xi32>, %y: tensor<4xi32>, %z: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.multiply %x, %y : tensor<4xi32>
  %1 = stablehlo.multiply %x, %z : tensor<4xi32>
  %2 = stablehlo.add %0, %1 : tensor<4xi32>
  return %2 : tensor<4xi32>
}

// -----

/// subtract(multiply(x, y), multiply(x, z)) -> multiply(x, subtract(y, z)) (`reassoc`).
// STRICT-XLA-LABEL: func.func @factor_mul_sub(
// STRICT-XLA-COUNT-2: stablehlo.multiply
// STRICT-XLA-NEXT:    stablehlo.subtract
// FAST-LABEL:       func.func @factor_mul_sub(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[D:.+]] = stablehlo.subtract %[[Y]], %[[Z]] : tensor<4xf32>
// FAST-NEXT:          %[[P:.+]] = stablehlo.multiply %[[X]], %[[D]] : tensor<4xf32>
// FAST-NEXT:          return %[[P]]
func.func @factor_mul_sub(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.multiply %x, %y : tensor<4xf32>
  %1 = stablehlo.multiply %x, %z : tensor<4xf32>
  %2 = stablehlo.subtract %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// add(divide(x, z), divide(y, z)) -> divide(add(x, y), z) (`reassoc`).
// STRICT-XLA-LABEL: func.func @factor_div_add(
// STRICT-XLA-COUNT-2: stablehlo.divide
// STRICT-XLA-NEXT:    stablehlo.add
// FAST-LABEL:       func.func @factor_div_add(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>, %[[Z:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[S:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<4xf32>
// FAST-NEXT:          %[[Q:.+]] = stablehlo.divide %[[S]], %[[Z]] : tensor<4xf32>
// FAST-NEXT:          return %[[Q]]
func.func @factor_div_add(%x: tensor<4xf32>, %y: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.divide %x, %z : tensor<4xf32>
  %1 = stablehlo.divide %y, %z : tensor<4xf32>
  %2 = stablehlo.add %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// add(x, x) -> multiply(x, 2), the inverse of mul-two (exact).
// MERGE-LABEL: func.func @add_self_to_mul(
// MERGE-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:    %[[S:.+]] = stablehlo.add %[[X]], %[[X]] : tensor<4xf32>
// MERGE-NEXT:    return %[[S]], %[[S]]
func.func @add_self_to_mul(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = stablehlo.constant dense<2.0> : tensor<4xf32>
  %0 = stablehlo.add %x, %x : tensor<4xf32>
  %1 = stablehlo.multiply %x, %c : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// ===-- Transcendental functions ---------------------------------------------------------------

/// exponential(add(x, y)) -> multiply(exp(x), exp(y)): rounding and overflow differ
/// (`reassoc`, `finite`: fast mode only).
// MERGE-LABEL:       func.func @exp_add(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-COUNT-3: stablehlo.exponential
// MERGE-STRICT-NEXT:   stablehlo.multiply
// MERGE-FAST-NEXT:     %[[S:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<4xf32>
// MERGE-FAST-NEXT:     %[[E:.+]] = stablehlo.exponential %[[S]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[E]], %[[E]]
func.func @exp_add(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %x, %y : tensor<4xf32>
  %1 = stablehlo.exponential %0 : tensor<4xf32>
  %2 = stablehlo.exponential %x : tensor<4xf32>
  %3 = stablehlo.exponential %y : tensor<4xf32>
  %4 = stablehlo.multiply %2, %3 : tensor<4xf32>
  return %1, %4 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// multiply(exp(x), exp(y)) -> exponential(add(x, y)) (`reassoc`, `finite`).
// STRICT-XLA-LABEL: func.func @exp_mul_merge(
// STRICT-XLA-COUNT-2: stablehlo.exponential
// STRICT-XLA-NEXT:    stablehlo.multiply
// FAST-LABEL:       func.func @exp_mul_merge(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[S:.+]] = stablehlo.add %[[X]], %[[Y]] : tensor<4xf32>
// FAST-NEXT:          %[[E:.+]] = stablehlo.exponential %[[S]] : tensor<4xf32>
// FAST-NEXT:          return %[[E]]
func.func @exp_mul_merge(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.exponential %x : tensor<4xf32>
  %1 = stablehlo.exponential %y : tensor<4xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

/// log(exp(x)) -> x: exp may overflow to Inf, and rounds (`reassoc`, `finite`).
// STRICT-XLA-LABEL: func.func @log_exp(
// STRICT-XLA:         stablehlo.exponential
// STRICT-XLA-NEXT:    stablehlo.log
// FAST-LABEL:       func.func @log_exp(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          return %[[X]] : tensor<4xf32>
func.func @log_exp(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.exponential %x : tensor<4xf32>
  %1 = stablehlo.log %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// divide(1, sqrt(x)) -> rsqrt(x): one op instead of two, rounded once (`reassoc`).
// STRICT-XLA-LABEL: func.func @rsqrt_from_div(
// STRICT-XLA:         stablehlo.sqrt
// STRICT-XLA-NEXT:    stablehlo.divide
// FAST-LABEL:       func.func @rsqrt_from_div(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[R:.+]] = stablehlo.rsqrt %[[X]] : tensor<4xf32>
// FAST-NEXT:          return %[[R]]
func.func @rsqrt_from_div(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<4xf32>
  %0 = stablehlo.sqrt %x : tensor<4xf32>
  %1 = stablehlo.divide %c, %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// divide(x, sqrt(y)) -> multiply(x, rsqrt(y)) (`reassoc`).
// MERGE-LABEL:       func.func @div_sqrt_to_mul_rsqrt(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-NEXT:   stablehlo.sqrt
// MERGE-STRICT-NEXT:   stablehlo.divide
// MERGE-STRICT-NEXT:   stablehlo.rsqrt
// MERGE-STRICT-NEXT:   stablehlo.multiply
// MERGE-FAST-NEXT:     %[[R:.+]] = stablehlo.rsqrt %[[Y]] : tensor<4xf32>
// MERGE-FAST-NEXT:     %[[P:.+]] = stablehlo.multiply %[[X]], %[[R]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[P]], %[[P]]
func.func @div_sqrt_to_mul_rsqrt(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.sqrt %y : tensor<4xf32>
  %1 = stablehlo.divide %x, %0 : tensor<4xf32>
  %2 = stablehlo.rsqrt %y : tensor<4xf32>
  %3 = stablehlo.multiply %x, %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// multiply(sqrt(x), sqrt(x)) -> x: only for x >= 0 (sqrt of a negative is NaN), and the
/// product rounds (`reassoc`, `finite`).
// STRICT-XLA-LABEL: func.func @sqrt_square(
// STRICT-XLA:         stablehlo.sqrt
// STRICT-XLA-NEXT:    stablehlo.multiply
// FAST-LABEL:       func.func @sqrt_square(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          return %[[X]] : tensor<4xf32>
func.func @sqrt_square(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.sqrt %x : tensor<4xf32>
  %1 = stablehlo.multiply %0, %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// tanh(negate(x)) -> negate(tanh(x)); likewise sine and tan. These functions are odd, but
/// their implementations need not be exactly so (`reassoc`).
// MERGE-LABEL:       func.func @odd_function_neg_tanh(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-COUNT-2: stablehlo.tanh
// MERGE-STRICT-NEXT:   stablehlo.negate
// MERGE-FAST-NEXT:     %[[N:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// MERGE-FAST-NEXT:     %[[T:.+]] = stablehlo.tanh %[[N]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[T]], %[[T]]
func.func @odd_function_neg_tanh(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.tanh %0 : tensor<4xf32>
  %2 = stablehlo.tanh %x : tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

// MERGE-LABEL:       func.func @odd_function_neg_sine(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-COUNT-2: stablehlo.sine
// MERGE-STRICT-NEXT:   stablehlo.negate
// MERGE-FAST-NEXT:     %[[N:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// MERGE-FAST-NEXT:     %[[S:.+]] = stablehlo.sine %[[N]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[S]], %[[S]]
func.func @odd_function_neg_sine(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.sine %0 : tensor<4xf32>
  %2 = stablehlo.sine %x : tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

// MERGE-LABEL:       func.func @odd_function_neg_tan(
// MERGE-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// MERGE-STRICT-COUNT-2: stablehlo.tan
// MERGE-STRICT-NEXT:   stablehlo.negate
// MERGE-FAST-NEXT:     %[[N:.+]] = stablehlo.negate %[[X]] : tensor<4xf32>
// MERGE-FAST-NEXT:     %[[T:.+]] = stablehlo.tan %[[N]] : tensor<4xf32>
// MERGE-FAST-NEXT:     return %[[T]], %[[T]]
func.func @odd_function_neg_tan(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.tan %0 : tensor<4xf32>
  %2 = stablehlo.tan %x : tensor<4xf32>
  %3 = stablehlo.negate %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// cosine(negate(x)) -> cosine(x): cosine is even (`reassoc`, as for the odd functions).
// STRICT-XLA-LABEL: func.func @cos_neg(
// STRICT-XLA:         stablehlo.negate
// STRICT-XLA-NEXT:    stablehlo.cosine
// FAST-LABEL:       func.func @cos_neg(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[C:.+]] = stablehlo.cosine %[[X]] : tensor<4xf32>
// FAST-NEXT:          return %[[C]]
func.func @cos_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.negate %x : tensor<4xf32>
  %1 = stablehlo.cosine %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// ===-- Select, compare, clamp, convert --------------------------------------------------------

/// select(c, x, x) -> x (exact).
// CHECK-LABEL: func.func @select_same(
// CHECK-SAME:    %{{[^:]+}}: tensor<4xi1>, %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @select_same(%c: tensor<4xi1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.select %c, %x, %x : tensor<4xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// select(true, x, y) -> x (exact).
// CHECK-LABEL: func.func @select_true(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @select_true(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<true> : tensor<4xi1>
  %0 = stablehlo.select %c, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// select(false, x, y) -> y (exact).
// CHECK-LABEL: func.func @select_false(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[Y]] : tensor<4xf32>
func.func @select_false(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<false> : tensor<4xi1>
  %0 = stablehlo.select %c, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

/// select(not(c), x, y) -> select(c, y, x) (exact).
// CHECK-LABEL: func.func @select_not(
// CHECK-SAME:    %[[C:[^:]+]]: tensor<4xi1>, %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[S:.+]] = stablehlo.select %[[C]], %[[Y]], %[[X]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @select_not(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.not %c : tensor<4xi1>
  %1 = stablehlo.select %0, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// compare(x, x) -> true for EQ, LE, GE and false for NE, LT, GT, on integers (exact; for floats
/// NaN compares unequal to itself).
// CHECK-LABEL: func.func @compare_self_int(
// CHECK-NEXT:    %[[T:.+]] = stablehlo.constant dense<true> : tensor<4xi1>
// CHECK-NEXT:    %[[F:.+]] = stablehlo.constant dense<false> : tensor<4xi1>
// CHECK-NEXT:    return %[[T]], %[[T]], %[[T]], %[[F]], %[[F]], %[[F]]
func.func @compare_self_int(%x: tensor<4xi32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = stablehlo.compare EQ, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %1 = stablehlo.compare LE, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %2 = stablehlo.compare GE, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %3 = stablehlo.compare NE, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %4 = stablehlo.compare LT, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %5 = stablehlo.compare GT, %x, %x, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

/// select(compare(x, y, GT), x, y) -> maximum(x, y), and LE to minimum, on integers (exact).
// CHECK-LABEL: func.func @select_to_minmax_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi32>, %[[Y:[^:]+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[MAX:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<4xi32>
// CHECK-NEXT:    %[[MIN:.+]] = stablehlo.minimum %[[X]], %[[Y]] : tensor<4xi32>
// CHECK-NEXT:    return %[[MAX]], %[[MIN]]
func.func @select_to_minmax_int(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = stablehlo.compare GT, %x, %y, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %1 = stablehlo.select %0, %x, %y : tensor<4xi1>, tensor<4xi32>
  %2 = stablehlo.compare LE, %x, %y, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %3 = stablehlo.select %2, %x, %y : tensor<4xi1>, tensor<4xi32>
  return %1, %3 : tensor<4xi32>, tensor<4xi32>
}

// -----

/// The same on floats (GE to maximum, LT to minimum): a NaN makes the compare false, so select
/// returns y where maximum returns NaN, and ±0 tie (`finite`, `no-signed-zero`: fast mode only).
// STRICT-XLA-LABEL: func.func @select_to_minmax(
// STRICT-XLA-COUNT-2: stablehlo.select
// FAST-LABEL:       func.func @select_to_minmax(
// FAST-SAME:          %[[X:[^:]+]]: tensor<4xf32>, %[[Y:[^:]+]]: tensor<4xf32>)
// FAST-NEXT:          %[[MAX:.+]] = stablehlo.maximum %[[X]], %[[Y]] : tensor<4xf32>
// FAST-NEXT:          %[[MIN:.+]] = stablehlo.minimum %[[X]], %[[Y]] : tensor<4xf32>
// FAST-NEXT:          return %[[MAX]], %[[MIN]]
func.func @select_to_minmax(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.compare GE, %x, %y, FLOAT : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = stablehlo.select %0, %x, %y : tensor<4xi1>, tensor<4xf32>
  %2 = stablehlo.compare LT, %x, %y, FLOAT : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %3 = stablehlo.select %2, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// clamp(lo, x, hi) -> minimum(maximum(x, lo), hi), as StableHLO defines clamp; which of two
/// equal zeros comes out may differ (`no-signed-zero`: fast mode only). The single clamp is
/// cheaper, so the rule shows as the two forms becoming one.
// MERGE-LABEL:       func.func @clamp_to_minmax(
// MERGE-SAME:          %[[LO:[^:]+]]: tensor<4xf32>, %[[X:[^:]+]]: tensor<4xf32>, %[[HI:[^:]+]]: tensor<4xf32>)
// MERGE-NEXT:          %[[C:.+]] = stablehlo.clamp %[[LO]], %[[X]], %[[HI]] : tensor<4xf32>
// MERGE-STRICT-NEXT:   %[[MAX:.+]] = stablehlo.maximum
// MERGE-STRICT-NEXT:   %[[MIN:.+]] = stablehlo.minimum %[[MAX]], %[[HI]]
// MERGE-STRICT-NEXT:   return %[[C]], %[[MIN]]
// MERGE-FAST-NEXT:     return %[[C]], %[[C]]
func.func @clamp_to_minmax(%lo: tensor<4xf32>, %x: tensor<4xf32>, %hi: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.clamp %lo, %x, %hi : tensor<4xf32>
  %1 = stablehlo.maximum %x, %lo : tensor<4xf32>
  %2 = stablehlo.minimum %1, %hi : tensor<4xf32>
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// convert(convert(x : f16 -> f32) -> f64) -> convert(x -> f64): f32 holds every f16 exactly.
// CHECK-LABEL: func.func @convert_widen_chain(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf16>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.convert %[[X]] : (tensor<4xf16>) -> tensor<4xf64>
// CHECK-NEXT:    return %[[C]]
func.func @convert_widen_chain(%x: tensor<4xf16>) -> tensor<4xf64> {
  %0 = stablehlo.convert %x : (tensor<4xf16>) -> tensor<4xf32>
  %1 = stablehlo.convert %0 : (tensor<4xf32>) -> tensor<4xf64>
  return %1 : tensor<4xf64>
}

// -----

/// i8 -> i32 -> f32 is i8 -> f32: i32 holds every i8.
// CHECK-LABEL: func.func @convert_widen_chain_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi8>)
// CHECK-NEXT:    %[[C:.+]] = stablehlo.convert %[[X]] : (tensor<4xi8>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[C]]
func.func @convert_widen_chain_int(%x: tensor<4xi8>) -> tensor<4xf32> {
  %0 = stablehlo.convert %x : (tensor<4xi8>) -> tensor<4xi32>
  %1 = stablehlo.convert %0 : (tensor<4xi32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

/// convert(convert(x : f32 -> f64) -> f32) -> x: the round trip through a wider type is exact.
// CHECK-LABEL: func.func @convert_roundtrip(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @convert_roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xf64>
  %1 = stablehlo.convert %0 : (tensor<4xf64>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @convert_roundtrip_int(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<4xi16>)
// CHECK-NEXT:    return %[[X]] : tensor<4xi16>
func.func @convert_roundtrip_int(%x: tensor<4xi16>) -> tensor<4xi16> {
  %0 = stablehlo.convert %x : (tensor<4xi16>) -> tensor<4xi32>
  %1 = stablehlo.convert %0 : (tensor<4xi32>) -> tensor<4xi16>
  return %1 : tensor<4xi16>
}

// -----

/// maximum(x, -inf) -> x: exact (a NaN operand still gives NaN; zeros keep their sign). The
/// -inf arrives as a broadcast scalar, as JAX writes it.
// CHECK-LABEL:  func.func @max_neg_inf(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<8xf32>)
// CHECK-NOT:      stablehlo.maximum
// CHECK:          return %[[X]]
func.func @max_neg_inf(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %b = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<8xf32>
  %0 = stablehlo.maximum %x, %b : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

/// minimum(x, +inf) -> x: exact.
// CHECK-LABEL:  func.func @min_inf(
// CHECK-SAME:     %[[X:[^:]+]]: tensor<2x3xf32>)
// CHECK-NOT:      stablehlo.minimum
// CHECK:          return %[[X]]
func.func @min_inf(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = stablehlo.constant dense<0x7F800000> : tensor<2x3xf32>
  %0 = stablehlo.minimum %x, %c : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
