#!/usr/bin/env bash
# Purpose: the seed papers' training methods against the default recipe on the ranking
# tables (issue #25, item 5), one supernet training at a time, each seed its own result.
# Rerun: npm run build && npx tsc -b && lab/ranking-methods.sh TABLE METHOD SEED [METHOD SEED …]
#   TABLE: ref (examples/ranking.supernet.yaml), alt (examples/ranking-alt.supernet.yaml),
#   heldout (examples/heldout.supernet.yaml). Results: lab/results/ranking/TABLE/METHOD-sSEED.json
#   and .txt; a result that exists is not trained again. Rows: lab/method-vs-default.ts.
#   EPOCHS=N overrides the config's epochs (for equal-cost rows); results METHOD-eN-sSEED.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A CONFIGS=(
  [ref]=examples/ranking.supernet.yaml
  [alt]=examples/ranking-alt.supernet.yaml
  [heldout]=examples/heldout.supernet.yaml
)
# JSON for objects: a YAML flow mapping needs spaces, which the word splitting below cuts.
# Each method is the table config's own recipe (the default: complexity-aware sampling of 4
# subnets, in-place distillation, one resolution per step) with these overrides.
declare -A METHODS=(
  [default]=""
  [pada]="--set train.sampler.type=pada"
  [shiftnas]="--set train.sampler.type=shiftnas"
  [bignas-recipe]='--set train.schedule={"type":"exponential","warmupEpochs":0.05} --set train.weightDecayScope=largest'
  [channel-sorting]='--set train.channelSorting={"when":"periodic","everyEpochs":1}'
  [deps]='--set train.deps={"start":0.5,"lrRamp":0.02}'
  [few-shot]='--set train.fewShot={"splits":2,"at":0.5}'
)
table=$1
shift
config=${CONFIGS[$table]:?unknown table $table}
dir=lab/results/ranking/$table
mkdir -p "$dir"
while [ $# -ge 2 ]; do
  method=$1 seed=$2
  shift 2
  [ -n "${METHODS[$method]+x}" ] || { echo "unknown method $method" >&2; exit 2; }
  out=$dir/$method${EPOCHS:+-e$EPOCHS}-s$seed
  if [ -f "$out.json" ]; then echo "$out.json exists" >&2; continue; fi
  echo "$(date -Is) $table $method seed $seed (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  # shellcheck disable=SC2086
  node dist/bench.js --ranking --config "$config" --seeds "$seed" ${EPOCHS:+--epochs "$EPOCHS"} ${METHODS[$method]} \
    --out "$out.json.part" > "$out.txt"
  mv "$out.json.part" "$out.json"
done
