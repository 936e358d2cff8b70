#!/usr/bin/env bash
# A `strait sweep` spread over a Slurm job array, then merged.
#
# Usage (on a login node, from the repository root, after `npm ci`):
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
# The result, OUT/merged, is what one unsharded `strait sweep --out OUT/merged` writes.
#
# OUT must be on a file system every node sees; a scenario file is named by an absolute
# path or one relative to the repository root (the tasks run there). A task that fails or hits its time
# limit can be resubmitted as it is (e.g. `sbatch --array=3 ...`, or rerun this script):
# a restarted sweep skips the points already complete in its shard directory.
#
# Adjust the #SBATCH-style settings below (partition, time, CPUs) to your cluster, or
# pass more sbatch options in SBATCH_OPTS, e.g. SBATCH_OPTS="--partition=cpu --account=me".
set -euo pipefail

CPUS_PER_TASK=${CPUS_PER_TASK:-8}
TIME_LIMIT=${TIME_LIMIT:-04:00:00}
SBATCH_OPTS=${SBATCH_OPTS:-}
# Inside a job, Slurm runs a copy of this script from its spool directory: the
# repository comes from the environment the submission exported.
REPO=${STRAIT_REPO:-$(cd "$(dirname "$0")/.." && pwd)}

usage() {
  echo "usage: $0 SHARDS OUT SCENARIO [strait sweep flags...]" >&2
  exit 2
}

case "${1:-}" in
  task)
    # Inside one array task: this task's shard of the grid.
    shift
    out=$1
    shift
    : "${SLURM_ARRAY_TASK_ID:?not inside a Slurm array task}"
    : "${SLURM_ARRAY_TASK_COUNT:?not inside a Slurm array task}"
    cd "$REPO"
    exec node scripts/strait.js sweep "$@" \
      --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
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
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || usage
mkdir -p "$out/shards" "$out/logs"
out=$(cd "$out" && pwd)

# shellcheck disable=SC2086 # SBATCH_OPTS is a list of options
array_job=$(sbatch --parsable $SBATCH_OPTS \
  --job-name=strait-sweep \
  --export="ALL,STRAIT_REPO=$REPO" \
  --array="0-$((shards - 1))" \
  --cpus-per-task="$CPUS_PER_TASK" \
  --time="$TIME_LIMIT" \
  --output="$out/logs/shard-%a.log" \
  "$REPO/scripts/slurm-sweep.sh" task "$out" "$@")

# shellcheck disable=SC2086
merge_job=$(sbatch --parsable $SBATCH_OPTS \
  --job-name=strait-sweep-merge \
  --export="ALL,STRAIT_REPO=$REPO" \
  --dependency="afterok:$array_job" \
  --cpus-per-task=1 \
  --time=00:30:00 \
  --output="$out/logs/merge.log" \
  "$REPO/scripts/slurm-sweep.sh" merge "$out")

echo "submitted shards as job array $array_job (0-$((shards - 1))) and the merge as job $merge_job"
echo "result: $out/merged (index.csv, sweep.json, runs/); logs: $out/logs/"
