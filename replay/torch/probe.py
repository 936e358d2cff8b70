"""Device measurements for the GPU campaign (scripts/gpu-campaign.sh), with torch only.

  probe.py solo     solo time per model and batch (execution, per phase, both copies)
  probe.py pairs    pairwise slowdown matrix in one sharing mode (processes, mps, streams)
  probe.py copy     host-device copy bandwidth: pinned and pageable, both directions,
                    one and two concurrent copies
  probe.py scenario a replay scenario for this device: a base scenario's workload with the
                    measured solo times and copy bandwidths as its model and link profiles
  probe.py summary  the campaign folder's summary table (summary.md)
  probe.py runner   (internal) one side of a pair in the processes and mps modes

Every command writes JSON (--out); the same code runs on --device cpu (tests, dry runs),
where pinned memory and MPS do not exist and are reported as such.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from strait_executor import Executor, now_ms  # noqa: E402
from strait_models import MODEL_NAMES, PHASES, build_model  # noqa: E402
from worker import describe_device  # noqa: E402

HERE = os.path.abspath(__file__)


def csv_list(text, kind=str):
    return [kind(x) for x in text.split(",") if x.strip() != ""]


def device_of(name):
    if name == "cuda" and not torch.cuda.is_available():
        sys.stderr.write("probe: --device cuda: torch %s sees no CUDA GPU; use --device cpu\n" % torch.__version__)
        sys.exit(2)
    return torch.device("cuda:0" if name == "cuda" else "cpu")


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def pin_to_one_core():
    """A CPU "device" for pairs is one core that both sides share (as replay pins a device's workers); children inherit it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def cpu_threads(share):
    """On a CPU device, split the cores this process may use among `share` concurrent runners."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, cores // share))


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def write_json(path, document):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def header(device):
    return {"device": describe_device(torch, device), "torch": torch.__version__, "python": sys.executable, "cuda": torch.version.cuda}


# ---- solo ----------------------------------------------------------------------------


def solo(args):
    device = device_of(args.device)
    if device.type == "cpu":
        pin_to_one_core()  # the core a replay device gets
        cpu_threads(1)
    models = {m: build_model(m, args.seed, device) for m in csv_list(args.models)}
    executor = Executor(models, device)
    rows = []
    for name in models:
        for batch in csv_list(args.batches, int):
            for _ in range(args.warmup):
                executor.run(name, batch)
            runs = [executor.run(name, batch) for _ in range(args.runs)]
            execution = [r["executionEnd"] - r["executionStart"] for r in runs]
            rows.append(
                {
                    "model": name,
                    "batch": batch,
                    "runs": len(runs),
                    "meanMs": statistics.mean(execution),
                    "p50Ms": statistics.median(execution),
                    "p95Ms": quantile(execution, 0.95),
                    "phases": PHASES[name],
                    "phaseMs": [statistics.mean(r["phaseMs"][k] for r in runs) for k in range(len(PHASES[name]))],
                    "copyInMs": statistics.median(r["copyMs"][0] for r in runs),
                    "copyOutMs": statistics.median(r["copyMs"][1] for r in runs),
                }
            )
            sys.stderr.write("solo %s batch %d: %.3f ms\n" % (name, batch, rows[-1]["meanMs"]))
    write_json(args.out, dict(header(device), kind="strait-probe-solo", rows=rows))


# ---- pairs ---------------------------------------------------------------------------


def loop(executor, name, batch, start, until):
    """Runs `name` back to back from `start` to `until` (monotonic ms); execution times of the runs that ended by `until`."""
    while now_ms() < start:
        pass
    times = []
    while True:
        r = executor.run(name, batch)
        if r["executionEnd"] > until and times:
            break
        times.append(r["executionEnd"] - r["executionStart"])
        if now_ms() >= until:
            break
    return times


class ThreadRunner:
    """streams: one side of a pair as a thread of this process, on its own CUDA stream."""

    def __init__(self, models, device):
        self.executor = Executor(models, device)
        self.result = None
        self.thread = None

    def begin(self, name, batch, start, until):
        def work():
            with torch.inference_mode():
                self.result = loop(self.executor, name, batch, start, until)

        self.thread = threading.Thread(target=work)
        self.thread.start()

    def collect(self):
        self.thread.join()
        return self.result

    def close(self):
        pass


class ProcessRunner:
    """processes and mps: one side of a pair as its own process (`probe.py runner`)."""

    def __init__(self, args):
        command = [sys.executable, HERE, "runner", "--device", args.device, "--models", args.models, "--batch", str(args.batch), "--seed", str(args.seed), "--warmup", str(args.warmup)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True, bufsize=1)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("probe runner exited before it was ready")

    def begin(self, name, batch, start, until):
        self.process.stdin.write(json.dumps({"model": name, "batch": batch, "start": start, "until": until}) + "\n")
        self.process.stdin.flush()

    def collect(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("probe runner exited mid-measurement")
        return json.loads(line)["times"]

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def runner(args):
    device = device_of(args.device)
    if device.type == "cpu":
        cpu_threads(2)
    models = {m: build_model(m, args.seed, device) for m in csv_list(args.models)}
    executor = Executor(models, device)
    for name in models:
        for _ in range(args.warmup):
            executor.run(name, args.batch)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        task = json.loads(line)
        out.write(json.dumps({"times": loop(executor, task["model"], task["batch"], task["start"], task["until"])}) + "\n")
        out.flush()


def pairs(args):
    device = device_of(args.device)
    names = csv_list(args.models)
    if args.sharing == "mps" and (device.type != "cuda" or "CUDA_MPS_PIPE_DIRECTORY" not in os.environ):
        sys.stderr.write("probe: --sharing mps needs --device cuda and a running MPS daemon (CUDA_MPS_PIPE_DIRECTORY)\n")
        sys.exit(2)
    if device.type == "cpu":
        pin_to_one_core()
    if args.sharing == "streams":
        if device.type == "cpu":
            cpu_threads(2)
        models = {m: build_model(m, args.seed, device) for m in names}
        runners = [ThreadRunner(models, device), ThreadRunner(models, device)]
        for r in runners:
            for m in names:
                for _ in range(args.warmup):
                    r.executor.run(m, args.batch)
    else:
        runners = [ProcessRunner(args), ProcessRunner(args)]
    window = args.seconds * 1000

    def measure(assignment):
        start = now_ms() + 50  # both sides start together
        for r, name in assignment:
            r.begin(name, args.batch, start, start + window)
        return [r.collect() for r, _ in assignment]

    solo_ms = {}
    for m in names:
        (times,) = measure([(runners[0], m)])
        solo_ms[m] = statistics.mean(times)
    matrix = {v: {} for v in names}
    samples = {v: {} for v in names}
    for i, a in enumerate(names):
        for b in names[i:]:
            times_a, times_b = measure([(runners[0], a), (runners[1], b)])
            if a == b:
                both = times_a + times_b
                matrix[a][a] = statistics.mean(both) / solo_ms[a]
                samples[a][a] = len(both)
            else:
                matrix[a][b] = statistics.mean(times_a) / solo_ms[a]
                matrix[b][a] = statistics.mean(times_b) / solo_ms[b]
                samples[a][b], samples[b][a] = len(times_a), len(times_b)
            sys.stderr.write("pairs %s: %s beside %s %.2fx, %s beside %s %.2fx\n" % (args.sharing, a, b, matrix[a][b], b, a, matrix[b][a]))
    for r in runners:
        r.close()
    write_json(
        args.out,
        dict(header(device), kind="strait-probe-pairs", sharing=args.sharing, batch=args.batch, seconds=args.seconds, soloMs=solo_ms, slowdown=matrix, samples=samples),
    )


# ---- copies --------------------------------------------------------------------------


def copy(args):
    device = device_of(args.device)
    cuda = device.type == "cuda"
    if not cuda:
        cpu_threads(2)
    rows = []
    for size_mib in csv_list(args.sizes_mib, float):
        n = int(size_mib * 2**20)
        for memory in ("pinned", "pageable"):
            if memory == "pinned" and not cuda:
                rows.append({"direction": "both", "memory": "pinned", "concurrent": 0, "mib": size_mib, "note": "pinned memory needs CUDA"})
                continue
            for direction in ("h2d", "d2h"):
                for concurrent in (1, 2):
                    rows.append(copy_rate(device, n, size_mib, memory, direction, concurrent, args.repeats))
                    r = rows[-1]
                    sys.stderr.write("copy %s %s x%d %g MiB: %.2f GB/s per copy\n" % (direction, memory, concurrent, size_mib, r["perCopyGBps"]))
    write_json(args.out, dict(header(device), kind="strait-probe-copy", rows=rows))


def copy_rate(device, n, size_mib, memory, direction, concurrent, repeats):
    cuda = device.type == "cuda"
    sides = []
    for _ in range(concurrent):
        host = torch.empty(n, dtype=torch.uint8, pin_memory=(memory == "pinned"))
        host.fill_(1)
        dev = torch.empty(n, dtype=torch.uint8, device=device)
        stream = torch.cuda.Stream(device=device) if cuda else None
        src, dst = (host, dev) if direction == "h2d" else (dev, host)
        sides.append((src, dst, stream))

    errors = []

    def one(side, barrier):
        src, dst, stream = side
        barrier.wait()
        try:
            with torch.inference_mode():
                if stream is not None:
                    with torch.cuda.stream(stream):
                        dst.copy_(src, non_blocking=True)
                    stream.synchronize()
                else:
                    dst.copy_(src)
        except Exception as error:  # reported by the measuring thread
            errors.append(error)

    elapsed = []
    for k in range(repeats + 1):
        barrier = threading.Barrier(concurrent + 1)
        threads = [threading.Thread(target=one, args=(s, barrier)) for s in sides]
        for t in threads:
            t.start()
        start = time.monotonic_ns()
        barrier.wait()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        if k > 0:  # the first copy pays for mapping the buffers
            elapsed.append((time.monotonic_ns() - start) / 1e9)
    seconds = statistics.median(elapsed)
    return {
        "direction": direction,
        "memory": memory,
        "concurrent": concurrent,
        "mib": size_mib,
        "medianMs": seconds * 1000,
        "perCopyGBps": n / seconds / 1e9,
        "totalGBps": concurrent * n / seconds / 1e9,
    }


# ---- the device's scenario -----------------------------------------------------------


def scenario(args):
    with open(args.base) as f:
        base = json.load(f)
    with open(args.solo) as f:
        solo_doc = json.load(f)
    solo_rows = solo_doc["rows"]
    with open(args.copy) as f:
        copy_rows = json.load(f)["rows"]
    measured = {}
    for row in solo_rows:
        measured.setdefault(row["model"], {})[row["batch"]] = row["phaseMs"]
    models = []
    for model in base["models"]:
        name = model["name"]
        if name not in measured:
            continue
        batches = sorted(measured[name])
        phases = [dict(p, soloMs={str(b): round(max(measured[name][b][k], 1e-3), 4) for b in batches}) for k, p in enumerate(model["phases"])]
        models.append(dict(model, phases=phases, maxBatch=max(batches)))
    kept = {m["name"] for m in models}
    document = {k: v for k, v in base.items() if k not in ("calibration", "extends")}
    document["name"] = args.name
    document["description"] = "%s's workload on %s: solo times and copy bandwidths measured there by probe.py (solo, copy)" % (base.get("name", "the base scenario"), solo_doc["device"])
    document["models"] = models
    workload = dict(base["workload"])
    workload["streams"] = [s for s in workload["streams"] if s["model"] in kept]
    document["workload"] = workload
    gpu = dict(base["cluster"].get("gpu", {}))
    gpu["sharing"] = args.sharing
    rates = {d: [r["perCopyGBps"] for r in copy_rows if r.get("direction") == d and r.get("concurrent") == 1 and "perCopyGBps" in r] for d in ("h2d", "d2h")}
    link = dict(gpu.get("link", {}))
    for d in ("h2d", "d2h"):
        if rates[d]:
            link[d + "GBps"] = round(max(rates[d]), 3)
    gpu["link"] = link
    cluster = dict(base["cluster"])
    cluster["gpu"] = gpu
    cluster["hosts"] = [dict(h, uplink={"h2dGBps": link.get("h2dGBps", 1), "d2hGBps": link.get("d2hGBps", 1)}) for h in cluster["hosts"]]
    document["cluster"] = cluster
    write_json(args.out, document)


# ---- summary -------------------------------------------------------------------------


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(x, digits=3):
    return "-" if x is None else ("%." + str(digits) + "f") % x


def summary(args):
    d = args.dir
    out = ["# strait GPU campaign: %s" % os.path.basename(os.path.abspath(d)), ""]
    meta = load_json(os.path.join(d, "campaign.json")) or {}
    solo_doc = load_json(os.path.join(d, "solo.json"))
    if solo_doc:
        out += ["Device: %s; torch %s (%s)." % (solo_doc["device"], solo_doc["torch"], solo_doc["python"]), ""]
    if meta:
        out += ["Campaign: " + ", ".join("%s %s" % (k, v) for k, v in meta.items()), ""]
    steps_path = os.path.join(d, "steps.tsv")
    if os.path.exists(steps_path):
        with open(steps_path) as f:
            steps = [line.rstrip("\n").split("\t") for line in f if line.strip()]
        total = sum(float(s[2]) for s in steps)
        out += ["## Steps (%.0f s in all)" % total, "", table(["step", "exit", "seconds"], steps), ""]
    if solo_doc:
        rows = [[r["model"], r["batch"], r["runs"], fmt(r["meanMs"]), fmt(r["p95Ms"]), fmt(r["copyInMs"], 4), fmt(r["copyOutMs"], 4)] for r in solo_doc["rows"]]
        out += ["## Solo times (ms)", "", table(["model", "batch", "runs", "execution mean", "execution p95", "H2D copy", "D2H copy"], rows), ""]
    for mode in ("processes", "mps", "streams"):
        doc = load_json(os.path.join(d, "pairs-%s.json" % mode))
        if doc is None:
            note = os.path.join(d, "pairs-%s.skipped" % mode)
            if os.path.exists(note):
                with open(note) as f:
                    out += ["## Pairwise slowdown, %s: skipped (%s)" % (mode, f.read().strip()), ""]
            continue
        names = list(doc["slowdown"])
        rows = [[v, fmt(doc["soloMs"][v])] + [fmt(doc["slowdown"][v].get(a), 2) + "x" for a in names] for v in names]
        out += [
            "## Pairwise slowdown, %s (batch %d, %g s per pair): victim (row) beside aggressor (column), execution time over solo" % (mode, doc["batch"], doc["seconds"]),
            "",
            table(["victim", "solo ms"] + names, rows),
            "",
        ]
    copy_doc = load_json(os.path.join(d, "copy.json"))
    if copy_doc:
        rows = []
        for r in copy_doc["rows"]:
            if "note" in r:
                rows.append([r["direction"], r["memory"], "-", "%g" % r["mib"], "-", "-", r["note"]])
            else:
                rows.append([r["direction"], r["memory"], r["concurrent"], "%g" % r["mib"], fmt(r["medianMs"]), fmt(r["perCopyGBps"], 2), fmt(r["totalGBps"], 2)])
        out += ["## Copy bandwidth (median)", "", table(["direction", "memory", "concurrent", "MiB", "ms", "GB/s per copy", "GB/s total"], rows), ""]
    for name in sorted(os.listdir(d)):
        if not (name.startswith("validate-") and name.endswith(".json")):
            continue
        v = load_json(os.path.join(d, name))
        if v is None:
            continue
        rows = [
            [c["model"], c["priority"], c["replayCount"], fmt(c["replayMeanMs"], 2), fmt(c["simMeanMs"], 2), "%+.1f%%" % (100 * c["meanError"]), fmt(c["replayP99Ms"], 2), fmt(c["simP99Ms"], 2), "%+.1f%%" % (100 * c["p99Error"])]
            for c in v["perModel"] + v["perModelClass"]
        ]
        viol = [[x["priority"], x["requests"], "%.2f%%" % (100 * x["replayRate"]), "%.2f%%" % (100 * x["simRate"]), "%+.2f pp" % x["differencePp"]] for x in v["violations"]]
        out += [
            "## Validation: %s (%d requests; policy %s; %s)" % (name[len("validate-") : -len(".json")], v["requests"], v["policy"], "within bounds" if v["withinBounds"] else "OUTSIDE the bounds"),
            "",
            table(["model", "class", "served", "replay mean", "sim mean", "error", "replay p99", "sim p99", "error"], rows),
            "",
            table(["class", "requests", "replay violations", "sim violations", "difference"], viol),
            "",
        ]
    text = "\n".join(out)
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    parser = argparse.ArgumentParser(prog="probe.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, models=True):
        p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--warmup", type=int, default=3)
        if models:
            p.add_argument("--models", default=",".join(MODEL_NAMES))

    p = sub.add_parser("solo")
    common(p)
    p.add_argument("--batches", default="1,2,4,8")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--out", required=True)
    p = sub.add_parser("pairs")
    common(p)
    p.add_argument("--sharing", choices=["processes", "mps", "streams"], required=True)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--out", required=True)
    p = sub.add_parser("runner")
    common(p)
    p.add_argument("--batch", type=int, default=4)
    p = sub.add_parser("copy")
    common(p, models=False)
    p.add_argument("--sizes-mib", default="1,64")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--out", required=True)
    p = sub.add_parser("scenario")
    p.add_argument("--base", required=True)
    p.add_argument("--solo", required=True)
    p.add_argument("--copy", required=True)
    p.add_argument("--name", default="replay-device")
    p.add_argument("--sharing", choices=["time-sliced", "spatial"], default="time-sliced")
    p.add_argument("--out", required=True)
    p = sub.add_parser("summary")
    p.add_argument("--dir", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    with torch.inference_mode():
        {"solo": solo, "pairs": pairs, "runner": runner, "copy": copy, "scenario": scenario, "summary": summary}[args.command](args)


if __name__ == "__main__":
    main()
