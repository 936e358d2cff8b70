/** Helpers over Vega-Lite specs for the report tests. */

export type Json = Record<string, unknown>;

/** Every unit spec (layer members, a facet's inner spec, or the spec itself). */
export function units(spec: Json): Json[] {
  if (Array.isArray(spec.layer)) return (spec.layer as Json[]).flatMap(units);
  if (spec.spec !== undefined) return units(spec.spec as Json);
  return [spec];
}

/** A unit's mark type, whether the mark is a string or an object. */
export function markType(unit: Json): string {
  return typeof unit.mark === 'string' ? unit.mark : ((unit.mark as Json).type as string);
}
