/**
 * Simulated time, or a duration of it, in milliseconds (in replay: wall time since the
 * replay started). A name for the unit where a reader needs it; no runtime cost.
 */
export type Ms = number;
