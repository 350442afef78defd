#!/usr/bin/env bash
# The first round of training recipes (samplers, distillation, kernel transform…) on the ranking
# benchmark, one after the other (the seed papers' methods are ranking-methods.sh; each
# trains the reference space once per seed; ~17 minutes a seed on 2 cores at 10 epochs). Results:
# lab/results/ranking/ref-recipes/<method>.json (the bench's JSON) and <method>.txt (its table).
# Usage: [EPOCHS=N] [SEEDS=0,1] lab/ranking-recipes.sh [method ...]   (default: all below)
# EPOCHS overrides the config's supernet epochs; its results are named <method>-e<N>.
set -euo pipefail
cd "$(dirname "$0")/.."
# Methods are overrides of examples/ranking.supernet.yaml, whose own recipe is `default`
# (complexity-aware sampling of 4 subnets with in-place distillation, one resolution per
# step, 10 epochs). Results before 2026-11-30 12:00 ran on the config of then (sandwich,
# 4 epochs): docs/ranking/results.md says which.
declare -A METHODS=(
  [default]=""
  [sandwich]="--set train.sampler.type=sandwich"
  [bignas]="--set train.sampler.type=sandwich --set train.sampler.resolution=per-subnet"
  [bignas-kernel-transform]="--set train.sampler.type=sandwich --set train.sampler.resolution=per-subnet --set train.kernelTransform=true"
  [complexity-aware]="--set train.sampler.type=complexity-aware"
  [progressive-shrinking]="--set train.progressiveShrinking=[0.1,0.3,0.5]"
  [kernel-transform]="--set train.kernelTransform=true"
  [zero-init]="--set train.zeroInitResidual=true"
  [no-distillation]="--set train.distillation=false"
  [sandwich-6]="--set train.sampler.type=sandwich --set train.sampler.subnets=6"
)
ORDER=(default sandwich bignas bignas-kernel-transform complexity-aware progressive-shrinking kernel-transform zero-init no-distillation sandwich-6)
SEEDS=${SEEDS:-0,1}
EPOCHS=${EPOCHS:-}
mkdir -p lab/results/ranking/ref-recipes
npm run build >/dev/null
if [ $# -eq 0 ]; then set -- "${ORDER[@]}"; fi
for m in "$@"; do
  name=$m${EPOCHS:+-e$EPOCHS}
  # shellcheck disable=SC2086
  node dist/bench.js --ranking --seeds "$SEEDS" ${EPOCHS:+--epochs "$EPOCHS"} ${METHODS[$m]} \
    --out "lab/results/ranking/ref-recipes/$name.json" | tee "lab/results/ranking/ref-recipes/$name.txt"
done
