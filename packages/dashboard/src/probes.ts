/** One probe check as the API shows it: the latest message of an aspect at one location. */
export interface CheckView {
  /** The aspect (`event.name`). */
  readonly name: string;
  readonly location: Readonly<Record<string, string>>;
  readonly state?: string;
  /** `expected`, `warning` or `error`; absent when the message has no state. */
  readonly severity?: string;
  readonly values: readonly { readonly name: string; readonly value: number | null; readonly unit?: string }[];
  readonly comment?: string;
  /** The message's own time, Unix seconds. */
  readonly time: number;
  /** Wall-clock epoch ms when the dashboard received it. */
  readonly receivedAt: number;
}

/** Severity order for sorting: worst first. */
const RANK: Readonly<Record<string, number>> = { error: 0, warning: 1, expected: 2 };
const decoder = new TextDecoder();

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The latest probe message per check (aspect and location), at most `maxChecks` of them. */
export class ProbeSource {
  readonly #checks = new Map<string, CheckView>();
  readonly #maxChecks: number;
  #received = 0;
  #invalid = 0;

  constructor(maxChecks: number) {
    this.#maxChecks = maxChecks;
  }

  /** Messages received so far; the live feed compares it to tell the page to refresh. */
  get received(): number {
    return this.#received;
  }

  get invalid(): number {
    return this.#invalid;
  }

  /**
   * Takes one probe message (seismometer v3, as JSON bytes, text or a parsed object). Returns
   * whether it was one; anything else is counted as invalid and dropped.
   */
  receive(payload: unknown, receivedAt: number): boolean {
    let value: unknown = payload;
    try {
      if (payload instanceof Uint8Array) value = JSON.parse(decoder.decode(payload));
      else if (typeof payload === "string") value = JSON.parse(payload);
    } catch {
      value = undefined;
    }
    const view = checkView(value, receivedAt);
    if (view === undefined) {
      this.#invalid++;
      return false;
    }
    const key = JSON.stringify([view.name, Object.entries(view.location).sort()]);
    if (!this.#checks.has(key) && this.#checks.size >= this.#maxChecks) {
      this.#invalid++;
      return false;
    }
    this.#checks.set(key, view);
    this.#received++;
    return true;
  }

  /** Every check, worst severity first, then by name. */
  checks(): CheckView[] {
    return [...this.#checks.values()].sort(
      (a, b) => (RANK[a.severity ?? "expected"] ?? 2) - (RANK[b.severity ?? "expected"] ?? 2) || a.name.localeCompare(b.name),
    );
  }

  /** Checks by severity (`none` for messages without a state). */
  counts(): Record<string, number> {
    const counts: Record<string, number> = { error: 0, warning: 0, expected: 0, none: 0 };
    for (const check of this.#checks.values()) {
      const key = check.state === undefined ? "none" : (check.severity ?? "expected");
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}

function checkView(value: unknown, receivedAt: number): CheckView | undefined {
  if (!isRecord(value) || value.v !== 3 || typeof value.time !== "number" || !isRecord(value.event)) return undefined;
  const { event } = value;
  if (typeof event.name !== "string" || event.name === "") return undefined;
  const location: Record<string, string> = {};
  if (isRecord(value.location)) for (const [k, v] of Object.entries(value.location)) if (typeof v === "string") location[k] = v;
  const values: { name: string; value: number | null; unit?: string }[] = [];
  if (isRecord(event.vset)) {
    for (const [name, entry] of Object.entries(event.vset)) {
      if (!isRecord(entry) || (typeof entry.value !== "number" && entry.value !== null)) continue;
      values.push({ name, value: entry.value, ...(typeof entry.unit === "string" ? { unit: entry.unit } : {}) });
    }
  }
  const state = isRecord(event.state) && typeof event.state.value === "string" ? event.state : undefined;
  return {
    name: event.name,
    location,
    ...(state === undefined
      ? {}
      : { state: state.value as string, severity: typeof state.severity === "string" ? state.severity : "expected" }),
    values,
    ...(typeof event.comment === "string" ? { comment: event.comment } : {}),
    time: value.time,
    receivedAt,
  };
}
