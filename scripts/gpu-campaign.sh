#!/usr/bin/env bash
# The GPU campaign: everything strait measures on one device, into one folder, in at most
# about 8 minutes on a GPU host (the budget each step is sized for):
#   1. solo times per model and batch                      (probe.py solo)
#   2. the pairwise slowdown matrix per sharing mode        (probe.py pairs: processes, streams,
#      and mps where nvidia-cuda-mps-control exists; the MPS daemon is started and stopped here)
#   3. copy bandwidth: pinned and pageable, both directions, one and two concurrent copies
#   4. a replay scenario for this device (replay-cpu's workload on the measured solo times)
#   5. calibration replays and held-out replays             (strait replay --backend torch)
#   6. strait calibrate on the calibration replays, strait validate on each held-out one
#   7. summary.md: every table above
# Runs from the unpacked offline bundle (./gpu-campaign.sh beside ./strait: nothing else
# installed but python3 with torch) or from the repository (scripts/gpu-campaign.sh, with
# node). --device cpu --quick is the dry run the tests make, with tiny counts.
#
# usage: gpu-campaign.sh [--device cuda|cpu] [--out DIR] [--quick] [--python PATH]
#                        [--replay-sharing processes|mps|streams] [--requests N]
set -uo pipefail

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "gpu-campaign: $*" >&2; exit 2; }

device=cuda
out=""
quick=0
python="${STRAIT_PYTHON:-}"
replay_sharing=processes
requests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --quick) quick=1; shift ;;
    --python) python="${2:-}"; shift 2 ;;
    --replay-sharing) replay_sharing="${2:-}"; shift 2 ;;
    --requests) requests="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument \"$1\" (see --help)" ;;
  esac
done
case "$device" in cuda|cpu) ;; *) die "--device: expected cuda or cpu, got \"$device\"" ;; esac
case "$replay_sharing" in processes|mps|streams) ;; *) die "--replay-sharing: expected processes, mps or streams, got \"$replay_sharing\"" ;; esac
[ -z "$requests" ] || [[ "$requests" =~ ^[1-9][0-9]*$ ]] || die "--requests: expected a positive integer, got \"$requests\""

# Where strait, the torch tools and the base scenario are: the bundle or the repository.
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/strait" ] && [ -d "$here/lib/torch" ]; then
  strait=("$here/strait"); torch_dir="$here/lib/torch"; base="$here/lib/builtin/replay-cpu.json"
elif [ -f "$here/strait.js" ]; then
  command -v node >/dev/null || die "node is not on PATH (on a host without node, run the offline bundle's gpu-campaign.sh)"
  strait=(node "$here/strait.js"); torch_dir="$here/../replay/torch"; base="$here/../scenarios/builtin/replay-cpu.json"
else
  die "cannot find strait beside $0 (expected the bundle's ./strait or the repository's scripts/strait.js)"
fi
probe="$torch_dir/probe.py"

# A Python that imports torch: --python or STRAIT_PYTHON if given, else the usual places.
if [ -n "$python" ]; then
  "$python" -c 'import torch' 2>/dev/null || die "--python $python: cannot import torch"
else
  for candidate in python3 /usr/bin/python3 /usr/local/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
  done
  [ -n "$python" ] || die "no Python that imports torch (tried python3 on PATH, /usr/bin/python3, /usr/local/bin/python3); name one with --python"
fi
export PYTHONDONTWRITEBYTECODE=1
if [ "$device" = cuda ]; then
  "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' || die "--device cuda: torch ($python) sees no CUDA GPU; use --device cpu for a dry run"
fi

out="${out:-campaign-$(date +%Y%m%d-%H%M%S)}"
[ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ] && die "--out $out: exists and is not empty"
mkdir -p "$out/logs" "$out/replays" || die "--out $out: cannot create it"
out="$(cd "$out" && pwd)"

# Sizes: the GPU budget, or tiny counts for a dry run.
if [ "$quick" = 1 ]; then
  models=mlp,mobilenet_v2,bert_base,resnet152; pair_models=mlp,mobilenet_v2; batches=1,2,4
  solo_runs=3; warmup=1; pair_seconds=0.3; copy_sizes=1; copy_repeats=3
  calibration=("1 0.5"); heldout=("11 0.6"); requests="${requests:-30}"; replay_warmup=1
  # A dry run checks the steps, not the fit: 30 requests on a CPU (often a busy one) fit
  # poorly, and calibrate would refuse them.
  calibrate_flags=(--accept-poor-fit)
else
  calibrate_flags=()
  models=mlp,mobilenet_v2,bert_base,resnet152; pair_models=$models; batches=1,2,4,8
  solo_runs=30; warmup=5; pair_seconds=2; copy_sizes=1,64; copy_repeats=10
  calibration=("1 0.5" "2 0.7" "3 0.9"); heldout=("11 0.6" "12 0.8"); replay_warmup=3
fi
request_flag=(); [ -n "$requests" ] && request_flag=(--requests "$requests")

# The MPS daemon of the pairs step: private directories, stopped on every way out.
mps_dir=""
stop_mps() {
  if [ -n "$mps_dir" ]; then
    echo quit | CUDA_MPS_PIPE_DIRECTORY="$mps_dir/pipe" CUDA_MPS_LOG_DIRECTORY="$mps_dir/log" nvidia-cuda-mps-control >/dev/null 2>&1
    rm -rf "$mps_dir"
    mps_dir=""
  fi
}
trap stop_mps EXIT
trap 'stop_mps; exit 130' INT
trap 'stop_mps; exit 143' TERM

failed=0
# step NAME COMMAND...: runs it with its output in logs/NAME.log; its exit and seconds go to steps.tsv.
step() {
  local name="$1"; shift
  local start end rc
  start=$(date +%s.%N)
  printf 'gpu-campaign: %-28s ' "$name" >&2
  "$@" >"$out/logs/$name.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  local seconds
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\t%s\n' "$name" "$rc" "$seconds" >>"$out/steps.tsv"
  if [ "$rc" = 0 ]; then echo "ok (${seconds} s)" >&2; else echo "FAILED (exit $rc, ${seconds} s; see logs/$name.log)" >&2; failed=1; fi
  return "$rc"
}

torch_version=$("$python" -c 'import torch; print(torch.__version__)')
cat >"$out/campaign.json" <<EOF
{"device": "$device", "quick": $([ "$quick" = 1 ] && echo true || echo false), "python": "$python", "torch": "$torch_version", "replaySharing": "$replay_sharing", "started": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "host": "$(uname -n)"}
EOF

step solo "$python" "$probe" solo --device "$device" --models "$models" --batches "$batches" --runs "$solo_runs" --warmup "$warmup" --out "$out/solo.json"

for mode in processes streams mps; do
  if [ "$mode" = mps ]; then
    if [ "$device" != cuda ]; then echo "MPS shares an NVIDIA GPU (device cpu)" >"$out/pairs-mps.skipped"; continue; fi
    if ! command -v nvidia-cuda-mps-control >/dev/null; then echo "nvidia-cuda-mps-control is not on PATH" >"$out/pairs-mps.skipped"; continue; fi
    mps_dir=$(mktemp -d "${TMPDIR:-/tmp}/strait-mps-XXXXXX")
    mkdir -p "$mps_dir/pipe" "$mps_dir/log"
    CUDA_MPS_PIPE_DIRECTORY="$mps_dir/pipe" CUDA_MPS_LOG_DIRECTORY="$mps_dir/log" nvidia-cuda-mps-control -d
    step pairs-mps env CUDA_MPS_PIPE_DIRECTORY="$mps_dir/pipe" CUDA_MPS_LOG_DIRECTORY="$mps_dir/log" \
      "$python" "$probe" pairs --device cuda --sharing mps --models "$pair_models" --batch 4 --seconds "$pair_seconds" --warmup "$warmup" --out "$out/pairs-mps.json"
    stop_mps
  else
    step "pairs-$mode" "$python" "$probe" pairs --device "$device" --sharing "$mode" --models "$pair_models" --batch 4 --seconds "$pair_seconds" --warmup "$warmup" --out "$out/pairs-$mode.json"
  fi
done

step copy "$python" "$probe" copy --device "$device" --sizes-mib "$copy_sizes" --repeats "$copy_repeats" --out "$out/copy.json"

law=time-sliced; [ "$replay_sharing" = processes ] || law=spatial
step scenario "$python" "$probe" scenario --base "$base" --solo "$out/solo.json" --copy "$out/copy.json" --name "replay-$device" --sharing "$law" --out "$out/scenario.json"

replay() { # replay NAME SEED LOAD
  step "replay-$1" "${strait[@]}" replay "$out/scenario.json" --backend torch --device "$device" --sharing "$replay_sharing" --python "$python" \
    --seed "$2" --load "$3" --warmup "$replay_warmup" "${request_flag[@]}" --out "$out/replays/$1"
}
calibration_dirs=()
for run in "${calibration[@]}"; do
  set -- $run
  replay "calibration-seed$1" "$1" "$2" && calibration_dirs+=("$out/replays/calibration-seed$1")
done
heldout_names=()
for run in "${heldout[@]}"; do
  set -- $run
  replay "heldout-seed$1" "$1" "$2" && heldout_names+=("heldout-seed$1")
done

if [ "${#calibration_dirs[@]}" -gt 0 ]; then
  step calibrate "${strait[@]}" calibrate "${calibration_dirs[@]}" "${calibrate_flags[@]}" --out "$out/profile.json"
  if [ -f "$out/profile.json" ]; then
    for name in "${heldout_names[@]}"; do
      step "validate-$name" "${strait[@]}" validate --replay "$out/replays/$name" --profile "$out/profile.json" --rescale --out "$out/validate-$name.json"
    done
  fi
fi

"$python" "$probe" summary --dir "$out" --out "$out/summary.md" || failed=1
echo "gpu-campaign: wrote $out/summary.md" >&2
exit "$failed"
