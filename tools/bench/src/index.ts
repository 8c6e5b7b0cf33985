export type { Comparison, ComparisonResult, Target } from "./compare.js";
export { compare, formatComparison, parseTarget } from "./compare.js";
export { machine } from "./machine.js";
export type { RateOptions, RateResult } from "./measure.js";
export { measureRate, percentile } from "./measure.js";
export { processCpuMicros } from "./process-cpu.js";
