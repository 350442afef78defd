#!/usr/bin/env bash
# The training methods compared on the ranking benchmark, one after the other (each
# trains the reference space once per seed; ~8 minutes a seed on 2 cores). Results:
# docs/ranking/<method>.json (the bench's JSON) and <method>.txt (its table).
# Usage: scripts/ranking-methods.sh [method ...]   (default: all below)
set -euo pipefail
cd "$(dirname "$0")/.."
# Methods are overrides of examples/ranking.supernet.yaml on top of today's defaults
# (sandwich of 4 with in-place distillation, one resolution per step).
declare -A METHODS=(
  [default]=""
  [bignas]="--set train.sampler.resolution=per-subnet"
  [bignas-kernel-transform]="--set train.sampler.resolution=per-subnet --set train.kernelTransform=true"
  [complexity-aware]="--set train.sampler.type=complexity-aware"
  [progressive-shrinking]="--set train.progressiveShrinking=[0.1,0.3,0.5]"
  [kernel-transform]="--set train.kernelTransform=true"
  [zero-init]="--set train.zeroInitResidual=true"
  [no-distillation]="--set train.distillation=false"
  [sandwich-6]="--set train.sampler.subnets=6"
)
ORDER=(default bignas bignas-kernel-transform complexity-aware progressive-shrinking kernel-transform zero-init no-distillation sandwich-6)
SEEDS=${SEEDS:-0,1}
mkdir -p docs/ranking
npm run build >/dev/null
if [ $# -eq 0 ]; then set -- "${ORDER[@]}"; fi
for m in "$@"; do
  # shellcheck disable=SC2086
  node dist/bench.js --ranking --seeds "$SEEDS" ${METHODS[$m]} --out "docs/ranking/$m.json" \
    | tee "docs/ranking/$m.txt"
done
