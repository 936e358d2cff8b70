#!/bin/bash
# Byte-identity of the simulator's outputs against another checkout: eight reference runs
# (every policy; solo, static and adaptive predictors; the default scenario and the
# paper scenarios) made by BASE's CLI and by this checkout's, then `cmp` of each run's
# summary.json, requests.arrow and scenario.json. Prints `same` or `DIFFERS` per file and
# exits 1 when any differ. timing.json (wall time) is left out on purpose.
#   bash scripts/check-outputs.sh BASE      (BASE: a checkout, e.g. git worktree add --detach BASE COMMIT)
set -u
if [ $# -ne 1 ] || [ ! -f "$1/scripts/strait.js" ]; then
  echo "check-outputs: expected one argument, a strait checkout holding scripts/strait.js; got ${1:-nothing}" >&2
  exit 2
fi
base=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

runs() { # $1: checkout, $2: output directory
  local s="node $1/scripts/strait.js run" b="$1/scenarios/builtin"
  $s --out "$2/default" &&
    $s "$b/paper-intense.json" --policy strait --predictor adaptive --out "$2/pi-strait" &&
    $s "$b/paper-intense.json" --policy preempt --out "$2/pi-preempt" &&
    $s "$b/paper-shift.json" --policy clockwork --seed 3 --out "$2/ps-clock" &&
    $s --policy edf --out "$2/default-edf" &&
    $s "$b/paper-intense.json" --policy clockwork --predictor adaptive --out "$2/pi-clock" &&
    $s "$b/paper-moderate.json" --policy strait --predictor static --out "$2/pm-strait-static" &&
    $s "$b/paper-high.json" --policy preempt --out "$2/ph-preempt"
}
runs "$base" "$out/base" > "$out/base.log" 2>&1 || { echo "check-outputs: the runs of $base failed:" >&2; tail -5 "$out/base.log" >&2; exit 2; }
runs "$here" "$out/here" > "$out/here.log" 2>&1 || { echo "check-outputs: the runs of $here failed:" >&2; tail -5 "$out/here.log" >&2; exit 2; }
rc=0
for r in default pi-strait pi-preempt ps-clock default-edf pi-clock pm-strait-static ph-preempt; do
  for f in summary.json requests.arrow scenario.json; do
    if cmp -s "$out/base/$r/$f" "$out/here/$r/$f"; then echo "same $r/$f"; else echo "DIFFERS $r/$f"; rc=1; fi
  done
done
exit $rc
