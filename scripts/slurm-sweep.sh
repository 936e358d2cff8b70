#!/usr/bin/env bash
# A `strait sweep` spread over a Slurm job array, then merged.
#
# Usage (on a login node, after `npm ci`):
#
#   scripts/slurm-sweep.sh SHARDS OUT SCENARIO [sweep flags...]
#   scripts/slurm-sweep.sh 8 /scratch/$USER/sweep paper-intense \
#       --policies fifo,edf,priority,clockwork,preempt,strait --predictors solo,adaptive \
#       --loads 0.5:1.2:0.05 --seeds 10
#
# It submits two jobs:
#   1. a job array of SHARDS tasks (indices 0..SHARDS-1); task i runs
#        strait sweep SCENARIO ... --shard i/SHARDS --out OUT/shards/i --workers $SLURM_CPUS_PER_TASK
#      (each task uses all the CPUs Slurm gives it, one worker process per CPU);
#   2. a merge job that starts when every task has succeeded (afterok) and runs
#        strait sweep merge OUT/merged OUT/shards/*
#      which checks that the shards are of one grid and that every point is complete.
#      If a task fails, Slurm cancels the merge job (it could never start).
# The result, OUT/merged, is what one unsharded `strait sweep --out OUT/merged` writes.
#
# OUT must be on a file system every node sees, and so must the repository (the tasks
# run there). SCENARIO is a built-in name or a scenario file, relative to the current
# directory or absolute.
#
# A task that failed or hit its time limit: run this script again with the same
# arguments and ARRAY set to the failed indices, e.g. ARRAY=3,5: only those tasks are
# submitted, each skips the points already complete in its shard directory, and a new
# merge follows them. (Without ARRAY every task is submitted again, which also works.)
#
# Settings, from the environment: CPUS_PER_TASK (default 8), TIME_LIMIT per task (default
# 04:00:00), ARRAY (default 0-(SHARDS-1)), SBATCH_OPTS for more sbatch options, e.g.
# SBATCH_OPTS="--partition=cpu --account=me".
#
# Tested against a real single-node Slurm by scripts/test-slurm-sweep.sh (npm run test:slurm).
set -euo pipefail

CPUS_PER_TASK=${CPUS_PER_TASK:-8}
TIME_LIMIT=${TIME_LIMIT:-04:00:00}
SBATCH_OPTS=${SBATCH_OPTS:-}
ARRAY=${ARRAY:-}
# Inside a job, Slurm runs a copy of this script from its spool directory: the
# repository comes from the environment the submission exported.
REPO=${STRAIT_REPO:-$(cd "$(dirname "$0")/.." && pwd)}

usage() {
  echo "usage: $0 SHARDS OUT SCENARIO [strait sweep flags...]" >&2
  exit 2
}

die() {
  echo "slurm-sweep.sh: $*" >&2
  exit 2
}

case "${1:-}" in
  task)
    # Inside one array task: this task's shard of the grid. The shard count is passed,
    # not read from SLURM_ARRAY_TASK_COUNT, which counts only the tasks of this
    # submission (1 when one failed task is resubmitted).
    out=$2
    shards=$3
    shift 3
    : "${SLURM_ARRAY_TASK_ID:?not inside a Slurm array task}"
    cd "$REPO"
    exec node scripts/strait.js sweep "$@" \
      --shard "$SLURM_ARRAY_TASK_ID/$shards" \
      --workers "${SLURM_CPUS_PER_TASK:-1}" \
      --out "$out/shards/$SLURM_ARRAY_TASK_ID"
    ;;
  merge)
    # After every task: join the shard directories into one sweep directory.
    out=$2
    cd "$REPO"
    exec node scripts/strait.js sweep merge "$out/merged" "$out"/shards/*
    ;;
esac

[ $# -ge 3 ] || usage
shards=$1
out=$2
shift 2
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "SHARDS: expected a whole number from 1 up, got '$shards'"
array=${ARRAY:-0-$((shards - 1))}
[[ "$array" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] ||
  die "ARRAY: expected task indices such as 3 or 0-7 or 3,5, got '$array'"
for index in ${array//[,-]/ }; do
  ((index < shards)) || die "ARRAY: task index $index is not below SHARDS ($shards)"
done
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"
# The tasks run in the repository: a scenario file named relative to here must not be
# looked for there.
if [ -f "$1" ] && [[ "$1" != /* ]] && [[ "$1" == */* || "$1" == *.json ]]; then
  set -- "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "${@:2}"
fi
mkdir -p "$out/shards" "$out/logs"
out=$(cd "$out" && pwd)

# shellcheck disable=SC2086 # SBATCH_OPTS is a list of options
array_job=$(sbatch --parsable $SBATCH_OPTS \
  --job-name=strait-sweep \
  --export="ALL,STRAIT_REPO=$REPO" \
  --array="$array" \
  --cpus-per-task="$CPUS_PER_TASK" \
  --time="$TIME_LIMIT" \
  --output="$out/logs/shard-%a.log" \
  "$REPO/scripts/slurm-sweep.sh" task "$out" "$shards" "$@")

# shellcheck disable=SC2086
merge_job=$(sbatch --parsable $SBATCH_OPTS \
  --job-name=strait-sweep-merge \
  --export="ALL,STRAIT_REPO=$REPO" \
  --dependency="afterok:$array_job" \
  --kill-on-invalid-dep=yes \
  --cpus-per-task=1 \
  --time=00:30:00 \
  --output="$out/logs/merge.log" \
  "$REPO/scripts/slurm-sweep.sh" merge "$out")

echo "submitted shards as job array $array_job (tasks $array of 0-$((shards - 1))) and the merge as job $merge_job"
echo "result: $out/merged (index.csv, sweep.json, runs/); logs: $out/logs/"
