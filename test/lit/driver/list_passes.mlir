/// --list-passes lists our passes with their options, types, defaults and docs, then exits.
// RUN: stablehlo-eqsat-opt --list-passes | FileCheck %s

// CHECK: --stablehlo-eqsat: equality saturation
// CHECK: fp-mode=<str> (default xla): {{.*}}strict | xla | fast
// CHECK: max-iterations=<int> (default {{[0-9]+}})
// CHECK: --stablehlo-eqsat-roundtrip: StableHLO -> e-graph -> StableHLO with no rewrites
// CHECK-NEXT: extractor=<str> (default greedy-dag)
