#!/usr/bin/env bash
# Purpose: does `node --test --test-force-exit` with a process per file report every test?
# (nodejs/node#64833: verdicts still in a file's stdout pipe at exit are lost, and the run
# passes.) 40 files × 50 passing tests with long names, three runs without and three with
# test/blockingStdout.js preloaded, as `npm test` does; prints each run's "# tests" count.
#   npx tsc -b && bash lab/force-exit-verdicts.sh   (results: lab/results/force-exit-verdicts.txt)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for f in $(seq 1 40); do
  { echo "const test = require('node:test');"
    for t in $(seq 1 50); do echo "test('t$t ' + 'x'.repeat(2000), () => {});"; done
  } > "$dir/f$f.test.js"
done
for mode in without with; do
  for i in 1 2 3; do
    pre=(); [ "$mode" = with ] && pre=(--require "$root/out/test/blockingStdout.js")
    n=$(node --test "${pre[@]}" --test-force-exit --test-concurrency=4 "$dir/" 2>&1 | sed -n 's/^# tests //p')
    echo "$mode the preload, run $i: $n of 2000 tests reported"
  done
done
