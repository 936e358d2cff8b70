/**
 * Where maxMinFairRates reads and writes: each flow has a record of `flowStride`
 * numbers in one Float64Array (its link's index, and its rate, written), each link a
 * record of `linkStride` numbers in another (its capacity, and two scratch numbers the
 * filling uses). Records, not an array per quantity: a host's fabric keeps its state in
 * a few arrays this way (at 1,024 GPUs a host's fabric is cold when its next transfer
 * comes). Callers name the offsets in a `const enum` of their own, so they compile to
 * numbers.
 */
export const enum FlowRecord {
  Link = 0,
  Rate = 1,
}

export const enum LinkRecord {
  Capacity = 0,
  /** Scratch: flows on the link. */
  FlowsOnLink = 1,
  /** Scratch: 1 once the link's flows are frozen at their share. */
  Frozen = 2,
}

/**
 * Max-min fair rates for flows that each cross two resources: their GPU's link and
 * the host uplink that all of a host's links share. Progressive filling: the
 * resource with the smallest fair share is the bottleneck of its flows; freeze them
 * at that share, take their bandwidth off the uplink, repeat.
 *
 * Flow f's record starts at `f * flowStride` of `flows`, link l's at `l * linkStride` of
 * `links` (FlowRecord, LinkRecord); capacities are in bytes per ms. Writes each flow's
 * rate into its record.
 */
export function maxMinFairRates(
  flows: Float64Array,
  flowStride: number,
  flowCount: number,
  links: Float64Array,
  linkStride: number,
  linkCount: number,
  uplinkCapacity: number,
): void {
  const flowsEnd = flowCount * flowStride;
  const linksEnd = linkCount * linkStride;
  for (let at = 0; at < linksEnd; at += linkStride) {
    links[at + LinkRecord.FlowsOnLink] = 0;
    links[at + LinkRecord.Frozen] = 0;
  }
  for (let at = 0; at < flowsEnd; at += flowStride) links[flows[at + FlowRecord.Link] * linkStride + LinkRecord.FlowsOnLink]++;
  let uplinkLeft = uplinkCapacity;
  let flowsLeft = flowCount;

  while (flowsLeft > 0) {
    let bottleneck = -1;
    let share = uplinkLeft / flowsLeft;
    for (let l = 0, at = 0; l < linkCount; l++, at += linkStride) {
      if (links[at + LinkRecord.Frozen] === 1 || links[at + LinkRecord.FlowsOnLink] === 0) continue;
      const linkShare = links[at + LinkRecord.Capacity] / links[at + LinkRecord.FlowsOnLink];
      if (linkShare < share) {
        share = linkShare;
        bottleneck = l;
      }
    }
    if (bottleneck < 0) {
      // The uplink is the tightest: every flow still unfrozen gets its fair share.
      for (let at = 0; at < flowsEnd; at += flowStride) {
        if (links[flows[at + FlowRecord.Link] * linkStride + LinkRecord.Frozen] === 0) flows[at + FlowRecord.Rate] = share;
      }
      return;
    }
    const b = bottleneck * linkStride;
    links[b + LinkRecord.Frozen] = 1;
    for (let at = 0; at < flowsEnd; at += flowStride) if (flows[at + FlowRecord.Link] === bottleneck) flows[at + FlowRecord.Rate] = share;
    uplinkLeft -= share * links[b + LinkRecord.FlowsOnLink];
    flowsLeft -= links[b + LinkRecord.FlowsOnLink];
  }
}
