#!/usr/bin/env bash
# Reproduces the "QCMD and QRDA adagrad" section of docs/reproductions.md (paper 003's
# Table 3 layout): every method on L1 logistic regression and on LeNet, Fashion-MNIST.
# Usage: scripts/repro/qcmd-qrda.sh [logreg|lenet|all] [out-dir]   (needs `npm run build`)
# Extra --set flags for every run can be given in EXTRA, e.g. EXTRA="--set rounds=50".
# LEXTRA does the same for the LeNet runs only; FULL=1 adds LeNet's † variants.
# SEEDS="1 2 3" runs every method once per seed (default: seed 1); the table prints mean ± sd.
# ONLY="rda qrda-threshold" restricts the run to those method labels.
# The LeNet rows without layer normalization: LEXTRA="--set model.norm=none" (δ: EXTRA="--set algorithm.delta=0.1").
set -euo pipefail
cd "$(dirname "$0")/../.."
which="${1:-all}"
out="${2:-runs/qcmd-qrda}"
mkdir -p "$out"

# method label | algorithm --set flags (hyper-parameters per family, as the paper's Table 2)
variants() {
  local prox="$1" cmd="$2" rda="$3"
  cat <<V
prox-gd|--set algorithm.name=prox-gd $prox
cmd|--set algorithm.name=cmd $cmd
qcmd-terngrad-single|--set algorithm.name=qcmd --set algorithm.quantizer=terngrad --set algorithm.double=false $cmd
qcmd-threshold-single|--set algorithm.name=qcmd --set algorithm.double=false $cmd
qcmd-terngrad|--set algorithm.name=qcmd --set algorithm.quantizer=terngrad $cmd
qcmd-threshold|--set algorithm.name=qcmd $cmd
rda|--set algorithm.name=rda $rda
qrda-terngrad-single|--set algorithm.name=qrda --set algorithm.quantizer=terngrad --set algorithm.double=false $rda
qrda-threshold-single|--set algorithm.name=qrda --set algorithm.double=false $rda
qrda-terngrad|--set algorithm.name=qrda --set algorithm.quantizer=terngrad $rda
qrda-threshold|--set algorithm.name=qrda $rda
V
}

run_experiment() {
  local exp="$1" prox="$2" cmd="$3" rda="$4"
  variants "$prox" "$cmd" "$rda" | while IFS='|' read -r label flags; do
    # LeNet on a shared CPU: the † single-quantization variants only with FULL=1
    if [[ "$exp" == lenet && "$label" == *single && "${FULL:-0}" != 1 ]]; then continue; fi
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $label "* ]]; then continue; fi
    for seed in ${SEEDS:-1}; do
      echo "== $exp $label seed $seed" >&2
      # shellcheck disable=SC2086
      node apps/cli/bin/edgefl.js sim "configs/experiments/qcmd-qrda-$exp.yaml" --transport memory $flags --set seed="$seed" ${EXTRA:-} \
        $( [[ "$exp" == lenet ]] && echo "${LEXTRA:-}" ) --json "$out/$exp-$label-s$seed.json" --quiet
    done
  done
}

if [[ "$which" == logreg || "$which" == all ]]; then
  run_experiment logreg "--set algorithm.lr=0.5 --set algorithm.lambda=0.0001" \
    "--set algorithm.lr=0.1 --set algorithm.lambda=0.0001" "--set algorithm.lr=0.5 --set algorithm.lambda=0.01"
fi
if [[ "$which" == lenet || "$which" == all ]]; then
  run_experiment lenet "--set algorithm.lr=0.05 --set algorithm.lambda=0.0001" \
    "--set algorithm.lr=0.004 --set algorithm.lambda=0.0001" "--set algorithm.lr=0.01 --set algorithm.lambda=0.001"
fi
node scripts/repro/qcmd-qrda-table.mjs "$out"
