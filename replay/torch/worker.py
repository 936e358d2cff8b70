"""A strait replay worker on PyTorch: the same protocol as the TensorFlow.js workers.

Newline-delimited JSON on stdin (from the dispatcher) and stdout (to it); the messages are
described in replay/PROTOCOL.md. Needs only torch. The first line is the setup; the worker
builds its models on the device, answers "ready" (or "setup-failed"), then runs each "run"
task on the slot it names: one thread per slot, each with its own CUDA stream, so a worker
with several slots is the "streams" sharing mode (one process, a stream per slot). When the
dispatcher closes stdin, the worker finishes what runs and exits 0.

Anything else that writes to stdout (a library's print, a C-level warning) is sent to
stderr: stdout carries protocol lines only.
"""
import json
import os
import platform
import queue
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Exit status of the fault injection for tests (as the TensorFlow.js worker's).
CRASH_EXIT = 70


class Channel:
    """Protocol lines out on the original stdout; fd 1 then points at stderr."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.lock = threading.Lock()

    def send(self, message):
        line = json.dumps(message, separators=(",", ":"))
        with self.lock:
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except BrokenPipeError:
                # The dispatcher is gone: no one is left to answer.
                os._exit(0)


def describe_device(torch, device):
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        major, minor = torch.cuda.get_device_capability(index)
        return "CUDA GPU %d: %s (sm_%d%d; torch %s, CUDA %s)" % (index, torch.cuda.get_device_name(index), major, minor, torch.__version__, torch.version.cuda)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "CPU: %s, %d cores (torch %s, %d thread%s per slot)" % (
        cpu,
        os.cpu_count() or 1,
        torch.__version__,
        torch.get_num_threads(),
        "" if torch.get_num_threads() == 1 else "s",
    )


class InputProblem(Exception):
    """Bad setup (an unknown model, a device torch cannot use): one line, not a bug."""


def load(setup):
    """Imports torch and builds the setup's models; returns (torch, device, models)."""
    try:
        import torch
    except ImportError as error:
        raise InputProblem("python %s cannot import torch (%s)" % (sys.executable, error))
    from strait_models import MODEL_NAMES, build_model

    slots = int(setup.get("slots", 1))
    device = torch.device(setup.get("device", "cpu"))
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputProblem("torch %s at %s sees no CUDA GPU (torch.cuda.is_available() is False)" % (torch.__version__, sys.executable))
        if (device.index or 0) >= torch.cuda.device_count():
            raise InputProblem("%s: torch sees only %d CUDA GPU(s)" % (device, torch.cuda.device_count()))
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise InputProblem("device %s: expected cuda or cpu" % device)
    else:
        if setup.get("streamPriorities"):
            raise InputProblem("stream priorities need CUDA (device cpu)")
        # A CPU device is the cores this process may run on, shared by its slots.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores // slots))
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
    unknown = [m for m in setup["models"] if m not in MODEL_NAMES]
    if unknown:
        raise InputProblem('unknown real model "%s": replay has %s' % (unknown[0], ", ".join(MODEL_NAMES)))
    with torch.inference_mode():
        models = {name: build_model(name, setup.get("seed", 1), device) for name in setup["models"]}
    return torch, device, models


def serve_slot(channel, executor, tasks):
    while True:
        task = tasks.get()
        if task is None:
            return
        try:
            stages = executor.run(task["model"], task["batch"], task.get("priority", "low"))
        except Exception as error:  # a failed run is reported, the worker goes on
            message = str(error) or type(error).__name__
            channel.send({"kind": "run-failed", "id": task["id"], "slot": task.get("slot", 0), "message": message.splitlines()[0]})
            continue
        done = {"kind": "done", "id": task["id"], "slot": task.get("slot", 0)}
        done.update(stages)
        channel.send(done)


def main():
    channel = Channel()
    stdin = sys.stdin.buffer
    first = stdin.readline()
    if not first:
        return 0
    setup = json.loads(first)
    worker = setup.get("worker", 0)
    try:
        torch, device, models = load(setup)
        from strait_executor import Executor

        slots = int(setup.get("slots", 1))
        executors = [Executor(models, device, bool(setup.get("streamPriorities"))) for _ in range(slots)]
    except InputProblem as error:
        channel.send({"kind": "setup-failed", "worker": worker, "message": str(error), "input": True})
        return 0
    except Exception as error:
        traceback.print_exc()
        channel.send({"kind": "setup-failed", "worker": worker, "message": "%s: %s" % (type(error).__name__, error), "input": False})
        return 0
    channel.send(
        {
            "kind": "ready",
            "worker": worker,
            "backend": "torch",
            "device": describe_device(torch, device),
            "version": torch.__version__,
            "attempts": [],
            "runtime": {
                "python": sys.executable,
                "pythonVersion": platform.python_version(),
                "torch": torch.__version__,
                "cuda": torch.version.cuda,
                "threads": torch.get_num_threads(),
                "pid": os.getpid(),
            },
        }
    )
    queues = [queue.Queue() for _ in executors]
    threads = [threading.Thread(target=serve_slot, args=(channel, e, q), daemon=True) for e, q in zip(executors, queues)]
    for t in threads:
        t.start()
    crash_after = setup.get("crashAfterRuns")
    runs = 0
    for line in stdin:
        if not line.strip():
            continue
        task = json.loads(line)
        if task.get("kind") != "run":
            continue
        if not task.get("warmup") and crash_after is not None:
            runs += 1
            if runs > crash_after:
                os._exit(CRASH_EXIT)
        slot = task.get("slot", 0)
        if not 0 <= slot < len(queues):
            channel.send({"kind": "run-failed", "id": task["id"], "slot": slot, "message": "worker %d has no slot %d" % (worker, slot)})
            continue
        queues[slot].put(task)
    for q in queues:
        q.put(None)
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
