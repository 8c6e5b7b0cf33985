/**
 * Nagios plugin output and performance data, after the Monitoring Plugins guidelines:
 * `TEXT | 'label'=value[UOM];[warn];[crit];[min];[max] ...`, with long text and more perfdata on
 * the following lines, and thresholds in range syntax (`10`, `10:`, `~:10`, `10:20`, `@10:20`).
 */

/** A threshold range. A value outside `[start, end]` alerts; inside when `inside` (`@`). */
export interface PerfdataRange {
  /** Lower bound; `-Infinity` for `~`, 0 when not written. */
  readonly start: number;
  /** Upper bound; `Infinity` when not written (`10:`). */
  readonly end: number;
  /** `@` ranges alert when the value is inside the range. */
  readonly inside: boolean;
  /** Whether the lower bound was written (`10:20`, `10:`), not the implicit 0 of `20`. */
  readonly explicitStart: boolean;
  /** The range as written. */
  readonly text: string;
}

/** One performance data item. */
export interface PerfdataItem {
  /** The label, unquoted (`disk usage` for `'disk usage'=...`). */
  readonly label: string;
  /** `null` for `U` (the plugin could not read the value). */
  readonly value: number | null;
  /** Unit of measure, `""` when none. */
  readonly unit: string;
  /** The warning range, when given. */
  readonly warn?: PerfdataRange;
  /** The critical range, when given. */
  readonly crit?: PerfdataRange;
  /** Smallest possible value, when given. */
  readonly min?: number;
  /** Largest possible value, when given. */
  readonly max?: number;
}

/** Result of {@link parsePerfdata}: the items that parsed, and one error per item that did not. */
export interface PerfdataResult {
  /** The items that parsed, in order. */
  readonly items: PerfdataItem[];
  /** One message per item that did not parse, e.g. `'b': bad value "10:20"`. */
  readonly errors: string[];
}

/** A plugin's output split into its parts. */
export interface PluginOutput {
  /** The first line before `|`, trimmed. */
  readonly text: string;
  /** The following lines before the second `|`, if any. */
  readonly longText: string;
  /** All performance data, from the first line and from the lines after the second `|`. */
  readonly perfdata: string;
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const VALUE_RE = new RegExp(String.raw`^(U|${NUMBER})([A-Za-z%]*)$`);
const RANGE_RE = new RegExp(String.raw`^(@)?(?:(~|${NUMBER})?(:))?(${NUMBER})?$`);
const NUMBER_RE = new RegExp(`^${NUMBER}$`);

/** Splits plugin output into text, long text and performance data (several lines allowed). */
export function splitPluginOutput(stdout: string): PluginOutput {
  const lines = stdout.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const [first = "", ...rest] = lines;
  const bar = first.indexOf("|");
  const text = (bar < 0 ? first : first.slice(0, bar)).trim();
  const perfdata: string[] = bar < 0 ? [] : [first.slice(bar + 1)];
  const longText: string[] = [];
  let inPerfdata = false;
  for (const line of rest) {
    if (inPerfdata) {
      perfdata.push(line);
      continue;
    }
    const at = line.indexOf("|");
    if (at < 0) {
      longText.push(line);
      continue;
    }
    longText.push(line.slice(0, at));
    perfdata.push(line.slice(at + 1));
    inPerfdata = true;
  }
  return { text, longText: longText.join("\n").trim(), perfdata: perfdata.join(" ").trim() };
}

/** A range, or why there is none: not range syntax, or a bound too large for a double. */
function readRange(text: string): PerfdataRange | "bad" | "out of range" {
  const match = RANGE_RE.exec(text);
  if (!match) return "bad";
  const [, at, startText, colon, endText] = match;
  if (colon === undefined && endText === undefined) return "bad";
  const explicitStart = startText !== undefined && startText !== "~";
  const start = startText === "~" ? Number.NEGATIVE_INFINITY : startText === undefined ? 0 : Number(startText);
  const end = endText === undefined ? Number.POSITIVE_INFINITY : Number(endText);
  // A written bound of 1e309 would read as "no bound" and silently change the alert.
  if ((explicitStart && !Number.isFinite(start)) || (endText !== undefined && !Number.isFinite(end))) return "out of range";
  if (start > end) return "bad";
  return { start, end, inside: at !== undefined, explicitStart, text };
}

/**
 * Parses a threshold range, or returns `undefined` when it is not one (including a written
 * bound that no double can hold, such as `1e309`).
 */
export function parseRange(text: string): PerfdataRange | undefined {
  const range = readRange(text);
  return typeof range === "string" ? undefined : range;
}

/** The number written as `text` (already checked against the grammar), or undefined when no double can hold it. */
function finiteNumber(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function parseItem(label: string, data: string): PerfdataItem | string {
  const fields = data.split(";");
  if (fields.length > 5) return `'${label}': too many fields in "${data}"`;
  const [valueText = "", warnText = "", critText = "", minText = "", maxText = ""] = fields;
  const valueMatch = VALUE_RE.exec(valueText);
  if (!valueMatch) return `'${label}': bad value "${valueText}"`;
  const numberText = valueMatch[1] ?? "U";
  const value = numberText === "U" ? null : finiteNumber(numberText);
  if (value === undefined) return `'${label}': value "${numberText}" is out of range`;
  const item: { -readonly [K in keyof PerfdataItem]: PerfdataItem[K] } = { label, value, unit: valueMatch[2] ?? "" };
  for (const [key, text] of [
    ["warn", warnText],
    ["crit", critText],
  ] as const) {
    if (text === "") continue;
    const range = readRange(text);
    if (range === "bad") return `'${label}': bad ${key} range "${text}"`;
    if (range === "out of range") return `'${label}': ${key} range "${text}" is out of range`;
    item[key] = range;
  }
  for (const [key, text] of [
    ["min", minText],
    ["max", maxText],
  ] as const) {
    if (text === "") continue;
    if (!NUMBER_RE.test(text)) return `'${label}': bad ${key} "${text}"`;
    const bound = finiteNumber(text);
    if (bound === undefined) return `'${label}': ${key} "${text}" is out of range`;
    item[key] = bound;
  }
  return item;
}

/**
 * Parses performance data item by item. A malformed item, or one with a number no double can
 * hold (`1e309`), is reported in `errors` and skipped; the others are kept (DumbProbe dropped
 * every metric when one item was bad).
 *
 * @example
 * ```ts
 * parsePerfdata("'disk usage'=50%;80;90;0;100 load1=-0.5");
 * ```
 */
export function parsePerfdata(text: string): PerfdataResult {
  const items: PerfdataItem[] = [];
  const errors: string[] = [];
  const n = text.length;
  let i = 0;
  const isSpace = (ch: string | undefined): boolean => ch === " " || ch === "\t" || ch === "\n" || ch === "\r";
  const skipToken = (): string => {
    const from = i;
    while (i < n && !isSpace(text[i])) i++;
    return text.slice(from, i);
  };
  while (i < n) {
    while (i < n && isSpace(text[i])) i++;
    if (i >= n) break;
    const tokenStart = i;
    let label = "";
    if (text[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const ch = text.charAt(i);
        if (ch === "'") {
          if (text[i + 1] === "'") {
            label += "'";
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        label += ch;
        i++;
      }
      if (!closed) {
        errors.push(`unterminated quote in "${text.slice(tokenStart)}"`);
        break;
      }
    } else {
      while (i < n && text[i] !== "=" && text[i] !== "'" && !isSpace(text[i])) label += text.charAt(i++);
    }
    if (label === "" || text[i] !== "=") {
      i = tokenStart;
      errors.push(`"${skipToken()}" is not label=value`);
      continue;
    }
    i++;
    const parsed = parseItem(label, skipToken());
    if (typeof parsed === "string") errors.push(parsed);
    else items.push(parsed);
  }
  return { items, errors };
}
