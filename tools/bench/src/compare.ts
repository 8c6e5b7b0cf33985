/** A bound on the ratio ours / baseline, e.g. `">= 0.8"` or `"<= 1.5"`. */
export type Target = `>= ${number}` | `<= ${number}`;

/** One measured figure next to its baseline from the same run. */
export interface Comparison {
  /** What was measured, e.g. "encode+decode, 200-byte payload". */
  readonly name: string;
  /** Unit of both figures, e.g. "msg/s" or "ms p99". */
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  /** Name of the baseline, e.g. "JSON.stringify/parse". */
  readonly baselineName: string;
  /** The bound the ratio ours / baseline must meet. */
  readonly target?: Target;
}

/** A comparison with its ratio and whether the target was met. */
export interface ComparisonResult extends Comparison {
  readonly ratio: number;
  readonly met: boolean | undefined;
}

/** Parses a target into its operator and bound. */
export function parseTarget(target: Target): { op: ">=" | "<="; bound: number } {
  const op = target.startsWith(">=") ? ">=" : "<=";
  return { op, bound: Number(target.slice(2).trim()) };
}

const fmt = (n: number): string =>
  Number.isFinite(n) ? (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3)) : String(n);

/** One printable line for a comparison. */
export function formatComparison(result: ComparisonResult): string {
  const verdict = result.target === undefined ? "" : ` (target ${result.target}: ${result.met === true ? "met" : "MISSED"})`;
  return (
    `${result.name}: ours ${fmt(result.ours)} ${result.unit}, ` +
    `${result.baselineName} ${fmt(result.baseline)} ${result.unit}, ratio ${result.ratio.toFixed(2)}x${verdict}`
  );
}

/** Computes the ratio ours / baseline, prints the line and returns the result. */
export function compare(comparison: Comparison, print: (line: string) => void = console.log): ComparisonResult {
  const ratio = comparison.ours / comparison.baseline;
  let met: boolean | undefined;
  if (comparison.target !== undefined) {
    const { op, bound } = parseTarget(comparison.target);
    met = op === ">=" ? ratio >= bound : ratio <= bound;
  }
  const result = { ...comparison, ratio, met };
  print(formatComparison(result));
  return result;
}
