import type { SharingParams } from '../gpu/sharing.ts';

/** A GPU's PCIe link: bandwidth per direction (bytes per ms) and setup latency. */
export interface LinkSpec {
  readonly h2dBytesPerMs: number;
  readonly d2hBytesPerMs: number;
  readonly setupMs: number;
}

/** One GPU as the simulator builds it (the scenario layer resolves defaults). */
export interface GpuSpec {
  readonly id: string;
  /** Index of the host whose uplink it shares. */
  readonly host: number;
  /** Names of the models loaded on it: only these may be dispatched to it. */
  readonly models: readonly string[];
  /** Requests it holds at once, from the start of their input transfer to the end of their output transfer. */
  readonly maxConcurrency: number;
  readonly sharing: SharingParams;
  readonly link: LinkSpec;
}

export interface HostSpec {
  readonly name: string;
  readonly uplinkH2dBytesPerMs: number;
  readonly uplinkD2hBytesPerMs: number;
}

export interface ClusterSpec {
  readonly hosts: readonly HostSpec[];
  readonly gpus: readonly GpuSpec[];
}

/** GB/s (10^9 bytes per second) to bytes per simulated millisecond. */
export function gbpsToBytesPerMs(gbps: number): number {
  return gbps * 1e6;
}
