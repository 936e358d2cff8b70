/** Reusable per-call scratch space for maxMinFairRates (avoids allocating per call). */
export class FairShareScratch {
  flowsOnLink: Int32Array;
  frozenLink: Uint8Array;

  constructor(links: number) {
    this.flowsOnLink = new Int32Array(links);
    this.frozenLink = new Uint8Array(links);
  }
}

/**
 * Max-min fair rates for flows that each cross two resources: their GPU's link and
 * the host uplink that all of a host's links share. Progressive filling: the
 * resource with the smallest fair share is the bottleneck of its flows; freeze them
 * at that share, take their bandwidth off the uplink, repeat.
 *
 * linkOf[f] is the link index of flow f; linkCapacity[l] and uplinkCapacity are in
 * bytes per ms. Writes each flow's rate into rates[f].
 */
export function maxMinFairRates(
  linkOf: ArrayLike<number>,
  flowCount: number,
  linkCapacity: ArrayLike<number>,
  uplinkCapacity: number,
  rates: Float64Array,
  scratch: FairShareScratch = new FairShareScratch(linkCapacity.length),
): void {
  const links = linkCapacity.length;
  const flowsOnLink = scratch.flowsOnLink;
  const frozenLink = scratch.frozenLink;
  // Plain loops: a handful of links, where TypedArray.fill's builtin call costs more.
  for (let l = 0; l < links; l++) {
    flowsOnLink[l] = 0;
    frozenLink[l] = 0;
  }
  for (let f = 0; f < flowCount; f++) flowsOnLink[linkOf[f]]++;
  let uplinkLeft = uplinkCapacity;
  let flowsLeft = flowCount;

  while (flowsLeft > 0) {
    let bottleneck = -1;
    let share = uplinkLeft / flowsLeft;
    for (let l = 0; l < links; l++) {
      if (frozenLink[l] === 1 || flowsOnLink[l] === 0) continue;
      const linkShare = linkCapacity[l] / flowsOnLink[l];
      if (linkShare < share) {
        share = linkShare;
        bottleneck = l;
      }
    }
    if (bottleneck < 0) {
      // The uplink is the tightest: every flow still unfrozen gets its fair share.
      for (let f = 0; f < flowCount; f++) if (frozenLink[linkOf[f]] === 0) rates[f] = share;
      return;
    }
    frozenLink[bottleneck] = 1;
    for (let f = 0; f < flowCount; f++) if (linkOf[f] === bottleneck) rates[f] = share;
    uplinkLeft -= share * flowsOnLink[bottleneck];
    flowsLeft -= flowsOnLink[bottleneck];
  }
}
