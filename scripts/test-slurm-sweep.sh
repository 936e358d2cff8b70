#!/usr/bin/env bash
# End-to-end test of scripts/slurm-sweep.sh against a real, single-node Slurm.
#
#   npm run test:slurm            (as root, with `apt-get install slurm-wlm munge`)
#
# It starts munged (as user munge, with a key generated for this run), slurmctld and slurmd
# on localhost, every file of theirs in one temporary directory; submits a small sweep
# through scripts/slurm-sweep.sh as a user would; waits for the merge job; and checks that
# the merged sweep equals `strait sweep` of the same grid run here: sweep.json, index.csv
# and every run's scenario.json, summary.json and requests.arrow byte for byte, and each
# run's timing.json except its wall-clock fields. Then it resubmits one shard alone
# (ARRAY=1), as after a failed task, and checks the new merge again. Whatever happens, it
# cancels its jobs, stops the daemons it started and removes its temporary directory.
#
# Without root or without Slurm it skips with a message (exit 0); STRAIT_REQUIRE_SLURM=1
# makes that a failure, so CI cannot pass by skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$SECONDS
PATH=$PATH:/usr/sbin:/sbin # the daemons live there, not always on a CI runner's PATH

say() { echo "test-slurm-sweep: $*"; }
fail() {
  say "FAIL: $*" >&2
  exit 1
}
skip() {
  if [ "${STRAIT_REQUIRE_SLURM:-}" = 1 ]; then fail "cannot run ($*) and STRAIT_REQUIRE_SLURM=1"; fi
  say "SKIP: $*"
  exit 0
}

[ "$(id -u)" = 0 ] || skip "not root (starting munged, slurmctld and slurmd needs root)"
for cmd in munged munge slurmctld slurmd sbatch sinfo squeue scontrol scancel setpriv; do
  command -v "$cmd" >/dev/null || skip "$cmd not found (apt-get install slurm-wlm munge)"
done
id munge >/dev/null 2>&1 || skip "no user munge (apt-get install munge creates it)"

# The grid: 2 policies x 2 loads x 2 seeds of the 3000-request regression scenario, in 3
# shards (3, 3 and 2 points), one CPU per task.
shards=3
grid=(scenarios/regression/paper-regression.json --policies fifo,strait --loads 0.95,1.1 --seeds 2)
points=8

tmp=$(mktemp -d /tmp/strait-slurm.XXXXXX)
chmod 755 "$tmp" # munged runs as munge and must reach its files below
pids=()

stop_everything() {
  local rc=$? pid
  set +e
  if [ -n "${SLURM_CONF:-}" ] && [ -e "$tmp/run/slurmctld.up" ]; then
    # Jobs first, so that no task outlives its slurmd.
    scancel --quiet --full $(squeue -h -o %A 2>/dev/null) 2>/dev/null
    for _ in $(seq 20); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  # Daemons in reverse order of start: slurmd, slurmctld, munged.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
  say "stopped the daemons, removed $tmp (exit $rc, $((SECONDS - started)) s)"
  exit "$rc"
}
trap stop_everything EXIT
trap 'exit 130' INT TERM

show_log() {
  local file=$1
  [ -f "$file" ] || return 0
  echo "---- last lines of ${file#"$tmp"/} ----" >&2
  tail -n 25 "$file" >&2
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND until it succeeds, or fail.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      for log in "$tmp"/log/*; do show_log "$log"; done
      fail "$what did not happen within $seconds s"
    fi
    sleep 0.5
  done
}

# Two free TCP ports for slurmctld and slurmd, so that a Slurm already on this host is left alone.
free_ports() {
  node -e '
    const net = require("node:net");
    const a = net.createServer().listen(0, "127.0.0.1", () => {
      const b = net.createServer().listen(0, "127.0.0.1", () => {
        console.log(a.address().port, b.address().port);
        a.close(); b.close();
      });
    });'
}

# ---- munged, as user munge, with a key of its own ----
mkdir -p "$tmp/munge" "$tmp/munge-run" "$tmp/log" "$tmp/run" "$tmp/state" "$tmp/spool"
mungekey --create --keyfile="$tmp/munge/munge.key" 2>/dev/null ||
  dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$tmp/munge" "$tmp/munge-run"
chmod 700 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
chmod 755 "$tmp/munge-run"
socket=$tmp/munge-run/munge.socket
setpriv --reuid=munge --regid=munge --init-groups munged --foreground \
  --key-file="$tmp/munge/munge.key" --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munge.seed" \
  --log-file="$tmp/munge/munged.log" >"$tmp/log/munged.out" 2>&1 &
pids+=($!)
munge_ok() { munge -n -S "$socket" | unmunge -S "$socket"; }
wait_for 20 "munged answering on $socket" munge_ok
say "munged up"

# ---- slurmctld and slurmd ----
host=$(hostname -s)
read -r ctld_port slurmd_port < <(free_ports)
node_line=$(slurmd -C | head -n 1) # NodeName=HOST CPUs=... RealMemory=...
cat >"$tmp/slurm.conf" <<EOF
ClusterName=strait-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf # every Slurm command below, and the jobs, read this one

slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 "slurmctld answering scontrol ping" bash -c 'scontrol ping | grep -q UP'
touch "$tmp/run/slurmctld.up"
slurmd -D -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { sinfo -h -N -o %t -n "$host" | grep -qx idle; }
wait_for 30 "node $host idle in sinfo" node_idle
say "slurm up: $(sinfo -h -N -o '%N %t %c CPUs') ($((SECONDS - started)) s)"

# ---- the sweep through Slurm, as a user submits it ----
out=$tmp/sweep

# submit DIR [ENV=VALUE...]: run slurm-sweep.sh from DIR on $grid into $out in $shards
# shards; sets array_job and merge_job.
submit() {
  local dir=$1 said
  shift
  said=$(cd "$dir" && env CPUS_PER_TASK=1 TIME_LIMIT=00:10:00 "$@" "$repo/scripts/slurm-sweep.sh" "$shards" "$out" "${grid[@]}")
  echo "$said"
  array_job=$(sed -n 's/.*as job array \([0-9][0-9]*\).*/\1/p' <<<"$said")
  merge_job=$(sed -n 's/.* the merge as job \([0-9][0-9]*\).*/\1/p' <<<"$said")
  [ -n "$array_job" ] && [ -n "$merge_job" ] || fail "no job ids in slurm-sweep.sh's output"
}

job_state() { scontrol show job "$1" -o | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | paste -sd, -; }

# await_merge SECONDS [STATE]: wait until the merge job ends; fail unless it ends in STATE
# (default COMPLETED).
await_merge() {
  local deadline=$((SECONDS + $1)) want=${2:-COMPLETED} state
  while :; do
    state=$(job_state "$merge_job")
    case "$state" in
      PENDING | RUNNING | CONFIGURING | COMPLETING) ;;
      "$want") return 0 ;;
      *)
        scontrol show job -o >&2 || true
        for log in "$out"/logs/*.log; do show_log "$log"; done
        fail "merge job $merge_job ended $state, expected $want"
        ;;
    esac
    if ((SECONDS >= deadline)); then
      squeue >&2 || true
      for log in "$out"/logs/*.log; do show_log "$log"; done
      fail "merge job $merge_job still $state after $1 s, expected $want"
    fi
    sleep 0.5
  done
}

# check_merged: the merged sweep is the local one, row for row.
check_merged() {
  local merged=$out/merged
  [ "$(find "$merged/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)" = "$points" ] ||
    fail "$merged/runs does not hold $points run directories"
  # Byte for byte: sweep.json, index.csv, and every run's scenario, summary and records.
  diff -r --exclude=timing.json "$tmp/local" "$merged" >&2 ||
    fail "the merged sweep differs from the local one (above)"
  # timing.json: all but the wall-clock measures (wallMs, eventsPerSec, requestsPerSec,
  # peakRssMiB), which differ from one run to the next.
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [local, merged] = process.argv.slice(1);
    const wall = new Set(["wallMs", "eventsPerSec", "requestsPerSec", "peakRssMiB"]);
    const strip = (file) => Object.entries(JSON.parse(fs.readFileSync(file, "utf8"))).filter(([k]) => !wall.has(k));
    let bad = 0;
    for (const run of fs.readdirSync(path.join(local, "runs"))) {
      const a = JSON.stringify(strip(path.join(local, "runs", run, "timing.json")));
      const b = JSON.stringify(strip(path.join(merged, "runs", run, "timing.json")));
      if (a !== b) { console.error(`runs/${run}/timing.json: local ${a}, merged ${b}`); bad++; }
    }
    process.exit(bad ? 1 : 0);' "$tmp/local" "$merged" || fail "timing.json differs beyond its wall-clock fields"
}

node scripts/strait.js sweep "${grid[@]}" --workers 2 --out "$tmp/local" 2>&1 | tail -n 1

# 1. The whole grid, from the repository root.
submit "$repo"
await_merge 150
check_merged
say "merged sweep of $shards shards = the local sweep ($points runs; $((SECONDS - started)) s)"

# 2. A failed task, resubmitted alone (ARRAY=1) from another directory, the scenario file
# named relative to it: drop a point of shard 1 and the merge, as if task 1 had died.
rm -rf "$out/merged"
lost=$(find "$out/shards/1/runs" -mindepth 1 -maxdepth 1 -type d | head -n 1)
rm -rf "$lost"
grid[0]=regression/paper-regression.json
submit "$repo/scenarios" ARRAY=1
await_merge 120
tasks=$(scontrol show job "$array_job" -o | grep -c 'ArrayTaskId=')
[ "$tasks" = 1 ] || fail "ARRAY=1 submitted $tasks tasks, expected 1"
grep -q ', 1 run on 1 worker, 2 already complete' "$out/logs/shard-1.log" || {
  show_log "$out/logs/shard-1.log"
  fail "the resubmitted shard 1 did not rerun exactly its missing point"
}
check_merged
say "shard 1 resubmitted alone, merged again = the local sweep ($((SECONDS - started)) s)"

# 3. A task that fails: the merge job must be cancelled, not left pending forever.
out=$tmp/broken
shards=1
grid=(no-such-scenario.json --policies fifo --loads 1 --seeds 1)
submit "$repo"
await_merge 60 CANCELLED
[ "$(job_state "$array_job")" = FAILED ] || fail "array job $array_job is $(job_state "$array_job"), expected FAILED"
grep -q 'no-such-scenario.json: no such file' "$out/logs/shard-0.log" || {
  show_log "$out/logs/shard-0.log"
  fail "the failed task's log does not name the missing scenario"
}
say "a failed task cancels the merge ($((SECONDS - started)) s)"
say "PASS"
