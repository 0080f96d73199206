#!/usr/bin/env bash
# Long fuzz run of every codec decoder (compressors, envelope-level bodies and coders).
# CI runs 10,000 inputs per decoder with one seed; this runs ITERATIONS inputs per decoder
# for each of SEEDS seeds, so a run explores ITERATIONS × SEEDS inputs per decoder.
#
#   scripts/fuzz-codec.sh                 # 200,000 × 5 seeds (about 7 minutes on one core)
#   scripts/fuzz-codec.sh 1000000 20      # overnight
#
# A failure prints the decoder, seed, iteration, mutation and the offending bytes (hex):
# add those bytes as a regression test next to the decoder's unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ITERATIONS="${1:-200000}"
SEEDS="${2:-5}"
for seed in $(seq 1 "$SEEDS"); do
  echo "== fuzz-codec: seed ${seed}/${SEEDS}, ${ITERATIONS} inputs per decoder"
  EDGEFL_FUZZ_ITERATIONS="$ITERATIONS" EDGEFL_FUZZ_SEED="$seed" \
    node scripts/run-tests.mjs test/unit/codec/fuzz-compressors.test.ts --test-timeout=0
done
# the coders' fuzz test (fixed seeds and counts) runs once more for completeness
node scripts/run-tests.mjs test/unit/codec/fuzz-coders.test.ts
