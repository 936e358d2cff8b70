import type { SharingParams } from '../gpu/sharing.ts';

/** A GPU's PCIe link: bandwidth per direction (bytes per ms) and setup latency. */
export interface LinkSpec {
  readonly h2dBytesPerMs: number;
  readonly d2hBytesPerMs: number;
  /** Setup latency of every transfer (host to device; device to host too unless d2hSetupMs is set). */
  readonly setupMs: number;
  /** Setup latency of device-to-host transfers, where it differs from setupMs. */
  readonly d2hSetupMs?: number;
  /**
   * Extra setup of a host-to-device transfer per request executing on the GPU when it
   * starts (0 when absent): copies that compete with kernels for the device, as a CPU
   * device's copies compete for its cores.
   */
  readonly busySetupMs?: number;
  /** The same for device-to-host transfers. */
  readonly d2hBusySetupMs?: number;
}

/** The setup latency of a link's device-to-host transfers. */
export function d2hSetupMs(link: LinkSpec): number {
  return link.d2hSetupMs ?? link.setupMs;
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
