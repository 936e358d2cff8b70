"""Runs one request of a real model on one device and stream, timing its three stages.

The input is synthesized once per (model, batch) in pinned host memory (pageable on a
CPU device, where pinning needs CUDA), then each request really copies it to the device,
executes phase by phase and copies the output back into a pinned host buffer. Stage
boundaries are read from time.monotonic_ns() after synchronizing the stream: on Linux that
is CLOCK_MONOTONIC, the clock Node's process.hrtime reads, so the worker's timestamps and
the dispatcher's line up. On CUDA, events also give each copy's device-side duration.

A CPU device runs the same code: the "device" buffer is a fresh host tensor that the
input is copied into, and synchronization is a no-op (CPU ops return when done).
"""
import time

import torch

from strait_models import fill_input, input_dtype, item_shape


def now_ms():
    return time.monotonic_ns() / 1e6


class Executor:
    """One slot's executor: its own stream(s) and host buffers; run() from one thread only."""

    def __init__(self, models, device, high_priority_stream=False):
        self.models = models
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        self.inputs = {}
        self.outputs = {}
        if self.cuda:
            self.stream = torch.cuda.Stream(device=self.device)
            # Stream priorities: -1 is high on every torch version (1.13 knows only -1 and 0).
            self.high_stream = torch.cuda.Stream(device=self.device, priority=-1) if high_priority_stream else self.stream
        else:
            self.stream = self.high_stream = None

    def host_input(self, name, batch):
        key = (name, batch)
        if key not in self.inputs:
            buffer = torch.empty([batch] + item_shape(name), dtype=input_dtype(name), pin_memory=self.cuda)
            self.inputs[key] = fill_input(name, buffer)
        return self.inputs[key]

    def host_output(self, like):
        key = (tuple(like.shape), like.dtype)
        if key not in self.outputs:
            self.outputs[key] = torch.empty(like.shape, dtype=like.dtype, pin_memory=self.cuda)
        return self.outputs[key]

    def run(self, name, batch, priority="low"):
        """Runs one request; returns its stage timestamps (monotonic ms) and durations."""
        model = self.models.get(name)
        if model is None:
            raise ValueError("does not host model %s" % name)
        if not isinstance(batch, int) or batch < 1:
            raise ValueError("batch must be a positive integer, got %r" % (batch,))
        host_in = self.host_input(name, batch)
        stream = self.high_stream if priority == "high" else self.stream
        with torch.inference_mode():
            if self.cuda:
                with torch.cuda.stream(stream):
                    return self._run(model, host_in, stream)
            return self._run(model, host_in, None)

    def _run(self, model, host_in, stream):
        events = [torch.cuda.Event(enable_timing=True) for _ in range(4)] if stream is not None else None

        def sync():
            if stream is not None:
                stream.synchronize()

        def mark(k):
            if events is not None:
                events[k].record(stream)

        copy_in_start = now_ms()
        mark(0)
        x = torch.empty(host_in.shape, dtype=host_in.dtype, device=self.device)
        x.copy_(host_in, non_blocking=True)
        mark(1)
        sync()
        received_at = now_ms()
        phase_ms = []
        for phase in model.phases:
            start = now_ms()
            x = phase(x)
            sync()
            phase_ms.append(now_ms() - start)
        execution_end = now_ms()
        host_out = self.host_output(x)
        mark(2)
        host_out.copy_(x, non_blocking=True)
        mark(3)
        sync()
        copy_out_end = now_ms()
        if events is not None:
            copy_ms = [events[0].elapsed_time(events[1]), events[2].elapsed_time(events[3])]
        else:
            copy_ms = [received_at - copy_in_start, copy_out_end - execution_end]
        return {
            "receivedAt": received_at,
            "executionStart": received_at,
            "executionEnd": execution_end,
            "phaseMs": phase_ms,
            "sentAt": execution_end,
            "copyMs": copy_ms,
        }
