// Rules of the `dot_general` family (rules/dot_general.py): fold transposes into the dimension
// numbers, move scalars and negation out of the product, reassociate chains, factor sums. One
// function per rule, named after it.
//
// A rule that changes which kernel XLA runs may change the summation order, so none of these
// is exact: strict mode keeps every function as it is (STRICT / STRICT-XLA). The transposes
// that XLA folds into dots itself are allowed by --fp-mode=xla (XLA-FAST); the others need
// fast mode (FAST).
//
// The expanding rules (distributing a dot over a sum or a concatenation) do not make the
// program cheaper on their own: their functions compute both sides, and the rule makes them
// one value (MERGE-STRICT / MERGE-FAST). dot-factor-add, the inverse of dot-distribute-add, is
// in the other rule set.
//
// The choices are the analytical model's (measure=off): with measuring on, a near-tie between
// dots of a few microseconds would be decided by this machine's timings.
//
// DEFINE: %{simplify} = dot-transpose-lhs|dot-transpose-rhs|transpose-of-dot|dot-scale-lhs-out|dot-scale-rhs-out|dot-neg-lhs|dot-zero-rhs|dot-assoc-right|dot-assoc-left|dot-factor-add
// DEFINE: %{expand} = dot-distribute-add|dot-of-concat-rhs
//
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=%{simplify}' | FileCheck %s --check-prefixes=STRICT,STRICT-XLA
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=xla measure=off only-rules=%{simplify}' | FileCheck %s --check-prefixes=XLA-FAST,STRICT-XLA
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast measure=off only-rules=%{simplify}' | FileCheck %s --check-prefixes=XLA-FAST,FAST
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=strict measure=off only-rules=%{expand}' | FileCheck %s --check-prefixes=MERGE,MERGE-STRICT
// RUN: stablehlo-eqsat-opt %s --split-input-file '--stablehlo-eqsat=fp-mode=fast measure=off only-rules=%{expand}' | FileCheck %s --check-prefixes=MERGE,MERGE-FAST

/// dot(transpose(a), b) -> dot(a, b) contracting a's other dimension (`reassoc`, done by XLA).
/// Here the dot over the transpose contracts its major dimension (XLA's slow generic kernel,
/// `dot_cost.py`), the dot over `a` its minor one (the library's GEMM): the rule's side is
/// cheaper. (The other way round, XLA would fold the transpose into its dot anyway, and the
/// input stays.)
// STRICT-LABEL:   func.func @dot_transpose_lhs(
// STRICT-NEXT:      stablehlo.transpose
// STRICT-NEXT:      stablehlo.dot_general
// XLA-FAST-LABEL: func.func @dot_transpose_lhs(
// XLA-FAST-SAME:    %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x5xf32>)
// XLA-FAST-NEXT:    %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
// XLA-FAST-NEXT:    return %[[D]]
func.func @dot_transpose_lhs(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %0 = stablehlo.transpose %a, dims = [1, 0] : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %1 = stablehlo.dot_general %0, %b, contracting_dims = [0] x [0] : (tensor<8x4xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}

// -----

/// dot(a, transpose(b)) -> dot(a, b) contracting b's other dimension (`reassoc`, done by XLA).
// STRICT-LABEL:   func.func @dot_transpose_rhs(
// STRICT-NEXT:      stablehlo.transpose
// STRICT-NEXT:      stablehlo.dot_general
// XLA-FAST-LABEL: func.func @dot_transpose_rhs(
// XLA-FAST-SAME:    %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<5x8xf32>)
// XLA-FAST-NEXT:    %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [1] : (tensor<4x8xf32>, tensor<5x8xf32>) -> tensor<4x5xf32>
// XLA-FAST-NEXT:    return %[[D]]
func.func @dot_transpose_rhs(%a: tensor<4x8xf32>, %b: tensor<5x8xf32>) -> tensor<4x5xf32> {
  %0 = stablehlo.transpose %b, dims = [1, 0] : (tensor<5x8xf32>) -> tensor<8x5xf32>
  %1 = stablehlo.dot_general %a, %0, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}

// -----

/// transpose(a @ b) -> b^T a^T, as one dot contracting b's dim 0 with a's dim 1 (`reassoc`).
/// XLA's simplifier makes the same swap itself, so on a matrix product the two are one program
/// to XLA and the input stays; on this row vector the swap saves the transpose outright.
// STRICT-LABEL:   func.func @transpose_of_dot(
// STRICT-NEXT:      stablehlo.dot_general
// STRICT-NEXT:      stablehlo.transpose
// XLA-FAST-LABEL: func.func @transpose_of_dot(
// XLA-FAST-SAME:    %[[A:[^:]+]]: tensor<1x8xf32>, %[[B:[^:]+]]: tensor<8x5xf32>)
// XLA-FAST-NEXT:    %[[D:.+]] = stablehlo.dot_general %[[B]], %[[A]], contracting_dims = [0] x [1] : (tensor<8x5xf32>, tensor<1x8xf32>) -> tensor<5x1xf32>
// XLA-FAST-NEXT:    return %[[D]]
func.func @transpose_of_dot(%a: tensor<1x8xf32>, %b: tensor<8x5xf32>) -> tensor<5x1xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<1x8xf32>, tensor<8x5xf32>) -> tensor<1x5xf32>
  %1 = stablehlo.transpose %0, dims = [1, 0] : (tensor<1x5xf32>) -> tensor<5x1xf32>
  return %1 : tensor<5x1xf32>
}

// -----

/// dot(a * k, b) -> dot(a, b) * k for a splat k: 8 multiplies instead of 256 (`reassoc`).
// STRICT-XLA-LABEL: func.func @dot_scale_lhs_out(
// STRICT-XLA:         stablehlo.multiply
// STRICT-XLA-NEXT:    stablehlo.dot_general
// FAST-LABEL:       func.func @dot_scale_lhs_out(
// FAST-SAME:          %[[A:[^:]+]]: tensor<4x64xf32>, %[[B:[^:]+]]: tensor<64x2xf32>)
// FAST-NEXT:          %[[K:.+]] = stablehlo.constant dense<5.000000e-01> : tensor<4x2xf32>
// FAST-NEXT:          %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0]
// FAST-NEXT:          %[[P:.+]] = stablehlo.multiply %[[D]], %[[K]] : tensor<4x2xf32>
// FAST-NEXT:          return %[[P]]
func.func @dot_scale_lhs_out(%a: tensor<4x64xf32>, %b: tensor<64x2xf32>) -> tensor<4x2xf32> {
  %c = stablehlo.constant dense<0.5> : tensor<4x64xf32>
  %0 = stablehlo.multiply %a, %c : tensor<4x64xf32>
  %1 = stablehlo.dot_general %0, %b, contracting_dims = [1] x [0] : (tensor<4x64xf32>, tensor<64x2xf32>) -> tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

/// dot(a, b * k) -> dot(a, b) * k for a splat k (`reassoc`).
// STRICT-XLA-LABEL: func.func @dot_scale_rhs_out(
// STRICT-XLA:         stablehlo.multiply
// STRICT-XLA-NEXT:    stablehlo.dot_general
// FAST-LABEL:       func.func @dot_scale_rhs_out(
// FAST-SAME:          %[[A:[^:]+]]: tensor<2x64xf32>, %[[B:[^:]+]]: tensor<64x4xf32>)
// FAST-NEXT:          %[[K:.+]] = stablehlo.constant dense<5.000000e-01> : tensor<2x4xf32>
// FAST-NEXT:          %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0]
// FAST-NEXT:          %[[P:.+]] = stablehlo.multiply %[[D]], %[[K]] : tensor<2x4xf32>
// FAST-NEXT:          return %[[P]]
func.func @dot_scale_rhs_out(%a: tensor<2x64xf32>, %b: tensor<64x4xf32>) -> tensor<2x4xf32> {
  %c = stablehlo.constant dense<0.5> : tensor<64x4xf32>
  %0 = stablehlo.multiply %b, %c : tensor<64x4xf32>
  %1 = stablehlo.dot_general %a, %0, contracting_dims = [1] x [0] : (tensor<2x64xf32>, tensor<64x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

/// dot(negate(a), b) -> negate(dot(a, b)): round-to-nearest is symmetric in sign, but a sum of
/// zeros may come out +0 on one side and -0 on the other (`no-signed-zero`).
// STRICT-XLA-LABEL: func.func @dot_neg_lhs(
// STRICT-XLA-NEXT:    stablehlo.negate
// STRICT-XLA-NEXT:    stablehlo.dot_general
// FAST-LABEL:       func.func @dot_neg_lhs(
// FAST-SAME:          %[[A:[^:]+]]: tensor<4x64xf32>, %[[B:[^:]+]]: tensor<64x2xf32>)
// FAST-NEXT:          %[[D:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0]
// FAST-NEXT:          %[[N:.+]] = stablehlo.negate %[[D]] : tensor<4x2xf32>
// FAST-NEXT:          return %[[N]]
func.func @dot_neg_lhs(%a: tensor<4x64xf32>, %b: tensor<64x2xf32>) -> tensor<4x2xf32> {
  %0 = stablehlo.negate %a : tensor<4x64xf32>
  %1 = stablehlo.dot_general %0, %b, contracting_dims = [1] x [0] : (tensor<4x64xf32>, tensor<64x2xf32>) -> tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

/// dot(a, zeros) -> zeros: NaN or Inf in a would give NaN (`finite`, `no-signed-zero`).
// STRICT-XLA-LABEL: func.func @dot_zero_rhs(
// STRICT-XLA:         stablehlo.dot_general
// FAST-LABEL:       func.func @dot_zero_rhs(
// FAST-NEXT:          %[[Z:.+]] = stablehlo.constant dense<0.000000e+00> : tensor<4x5xf32>
// FAST-NEXT:          return %[[Z]]
func.func @dot_zero_rhs(%a: tensor<4x8xf32>) -> tensor<4x5xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<8x5xf32>
  %0 = stablehlo.dot_general %a, %c, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

/// (a @ b) @ c -> a @ (b @ c): the matrix-chain choice; here the right grouping needs 2K
/// multiply-adds instead of 69K (`reassoc`).
// STRICT-XLA-LABEL: func.func @dot_assoc_right(
// STRICT-XLA-SAME:    %[[A:[^:]+]]: tensor<64x16xf32>, %[[B:[^:]+]]: tensor<16x64xf32>, %[[C:[^:]+]]: tensor<64x2xf32>)
// STRICT-XLA-NEXT:    %[[AB:.+]] = stablehlo.dot_general %[[A]], %[[B]]
// STRICT-XLA-NEXT:    stablehlo.dot_general %[[AB]], %[[C]]
// FAST-LABEL:       func.func @dot_assoc_right(
// FAST-SAME:          %[[A:[^:]+]]: tensor<64x16xf32>, %[[B:[^:]+]]: tensor<16x64xf32>, %[[C:[^:]+]]: tensor<64x2xf32>)
// FAST-NEXT:          %[[BC:.+]] = stablehlo.dot_general %[[B]], %[[C]], contracting_dims = [1] x [0] : (tensor<16x64xf32>, tensor<64x2xf32>) -> tensor<16x2xf32>
// FAST-NEXT:          %[[ABC:.+]] = stablehlo.dot_general %[[A]], %[[BC]], contracting_dims = [1] x [0] : (tensor<64x16xf32>, tensor<16x2xf32>) -> tensor<64x2xf32>
// FAST-NEXT:          return %[[ABC]]
func.func @dot_assoc_right(%a: tensor<64x16xf32>, %b: tensor<16x64xf32>, %c: tensor<64x2xf32>) -> tensor<64x2xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<64x16xf32>, tensor<16x64xf32>) -> tensor<64x64xf32>
  %1 = stablehlo.dot_general %0, %c, contracting_dims = [1] x [0] : (tensor<64x64xf32>, tensor<64x2xf32>) -> tensor<64x2xf32>
  return %1 : tensor<64x2xf32>
}

// -----

/// a @ (b @ c) -> (a @ b) @ c, where the left grouping is the cheap one (`reassoc`).
// STRICT-XLA-LABEL: func.func @dot_assoc_left(
// STRICT-XLA-SAME:    %[[A:[^:]+]]: tensor<2x64xf32>, %[[B:[^:]+]]: tensor<64x16xf32>, %[[C:[^:]+]]: tensor<16x64xf32>)
// STRICT-XLA-NEXT:    %[[BC:.+]] = stablehlo.dot_general %[[B]], %[[C]]
// STRICT-XLA-NEXT:    stablehlo.dot_general %[[A]], %[[BC]]
// FAST-LABEL:       func.func @dot_assoc_left(
// FAST-SAME:          %[[A:[^:]+]]: tensor<2x64xf32>, %[[B:[^:]+]]: tensor<64x16xf32>, %[[C:[^:]+]]: tensor<16x64xf32>)
// FAST-NEXT:          %[[AB:.+]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0] : (tensor<2x64xf32>, tensor<64x16xf32>) -> tensor<2x16xf32>
// FAST-NEXT:          %[[ABC:.+]] = stablehlo.dot_general %[[AB]], %[[C]], contracting_dims = [1] x [0] : (tensor<2x16xf32>, tensor<16x64xf32>) -> tensor<2x64xf32>
// FAST-NEXT:          return %[[ABC]]
func.func @dot_assoc_left(%a: tensor<2x64xf32>, %b: tensor<64x16xf32>, %c: tensor<16x64xf32>) -> tensor<2x64xf32> {
  %0 = stablehlo.dot_general %b, %c, contracting_dims = [1] x [0] : (tensor<64x16xf32>, tensor<16x64xf32>) -> tensor<64x64xf32>
  %1 = stablehlo.dot_general %a, %0, contracting_dims = [1] x [0] : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32>
  return %1 : tensor<2x64xf32>
}

// -----

/// dot(a, b) + dot(a, c) -> dot(a, b + c): one dot instead of two (`reassoc`).
// STRICT-XLA-LABEL:   func.func @dot_factor_add(
// STRICT-XLA-COUNT-2:   stablehlo.dot_general
// STRICT-XLA-NEXT:      stablehlo.add
// FAST-LABEL:         func.func @dot_factor_add(
// FAST-SAME:            %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x5xf32>, %[[C:[^:]+]]: tensor<8x5xf32>)
// FAST-NEXT:            %[[S:.+]] = stablehlo.add %[[B]], %[[C]] : tensor<8x5xf32>
// FAST-NEXT:            %[[D:.+]] = stablehlo.dot_general %[[A]], %[[S]], contracting_dims = [1] x [0]
// FAST-NEXT:            return %[[D]]
func.func @dot_factor_add(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %1 = stablehlo.dot_general %a, %c, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %2 = stablehlo.add %0, %1 : tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// -----

/// dot(a, b + c) -> dot(a, b) + dot(a, c), the expanding direction (`reassoc`).
// MERGE-LABEL:         func.func @dot_distribute_add(
// MERGE-SAME:            %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x5xf32>, %[[C:[^:]+]]: tensor<8x5xf32>)
// MERGE-NEXT:            %[[S:.+]] = stablehlo.add %[[B]], %[[C]] : tensor<8x5xf32>
// MERGE-NEXT:            %[[D:.+]] = stablehlo.dot_general %[[A]], %[[S]], contracting_dims = [1] x [0]
// MERGE-STRICT-COUNT-2:  stablehlo.dot_general
// MERGE-STRICT-NEXT:     %[[SUM:.+]] = stablehlo.add
// MERGE-STRICT-NEXT:     return %[[D]], %[[SUM]]
// MERGE-FAST-NEXT:       return %[[D]], %[[D]]
func.func @dot_distribute_add(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<8x5xf32>) -> (tensor<4x5xf32>, tensor<4x5xf32>) {
  %0 = stablehlo.add %b, %c : tensor<8x5xf32>
  %1 = stablehlo.dot_general %a, %0, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %2 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %3 = stablehlo.dot_general %a, %c, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %4 = stablehlo.add %2, %3 : tensor<4x5xf32>
  return %1, %4 : tensor<4x5xf32>, tensor<4x5xf32>
}

// -----

/// a @ concatenate(b, c, dim=1) -> concatenate(a @ b, a @ c, dim=1): each output element is the
/// same sum of products, computed by a smaller dot whose kernel may sum in another order
/// (`reassoc`).
// MERGE-LABEL:         func.func @dot_of_concat_rhs(
// MERGE-SAME:            %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x3xf32>, %[[C:[^:]+]]: tensor<8x5xf32>)
// MERGE-NEXT:            %[[BC:.+]] = stablehlo.concatenate %[[B]], %[[C]], dim = 1
// MERGE-NEXT:            %[[D:.+]] = stablehlo.dot_general %[[A]], %[[BC]], contracting_dims = [1] x [0]
// MERGE-STRICT-COUNT-2:  stablehlo.dot_general
// MERGE-STRICT-NEXT:     %[[CAT:.+]] = stablehlo.concatenate
// MERGE-STRICT-NEXT:     return %[[D]], %[[CAT]]
// MERGE-FAST-NEXT:       return %[[D]], %[[D]]
func.func @dot_of_concat_rhs(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<8x5xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = stablehlo.concatenate %b, %c, dim = 1 : (tensor<8x3xf32>, tensor<8x5xf32>) -> tensor<8x8xf32>
  %1 = stablehlo.dot_general %a, %0, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %2 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %3 = stablehlo.dot_general %a, %c, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %4 = stablehlo.concatenate %2, %3, dim = 1 : (tensor<4x3xf32>, tensor<4x5xf32>) -> tensor<4x8xf32>
  return %1, %4 : tensor<4x8xf32>, tensor<4x8xf32>
}
