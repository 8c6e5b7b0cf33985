import { ATTR, type AttributeMap, createInstruments, HEARTBEAT_INSTRUMENTS, metricsActive, otelApi, SCOPE } from "@x/telemetry";

/** The heartbeat instruments of the schema (`x.heartbeat.*`). */
export const heartbeatInstruments = createInstruments(SCOPE.heartbeat, HEARTBEAT_INSTRUMENTS);

const transitionAttributes = new Map<string, AttributeMap>();

/** Counts one state change seen by a Monitor; `from` is `none` for a process heard the first time. */
export function countTransition(from: string | undefined, to: string): void {
  if (!metricsActive()) return;
  const key = `${from ?? "none"}>${to}`;
  let attributes = transitionAttributes.get(key);
  if (attributes === undefined) {
    attributes = Object.freeze({ [ATTR.HEARTBEAT_FROM_STATE]: from ?? "none", [ATTR.HEARTBEAT_STATE]: to });
    transitionAttributes.set(key, attributes);
  }
  heartbeatInstruments.add("transitions", 1, attributes);
}

/** Counts one heartbeat a Heart published. */
export function countBeat(process: string, kind: string): void {
  if (!metricsActive()) return;
  heartbeatInstruments.add("beatsSent", 1, { [ATTR.HEARTBEAT_PROCESS]: process, [ATTR.HEARTBEAT_KIND]: kind });
}

/**
 * Reports `x.heartbeat.processes` by state from `count()` at each collection, for as long as the
 * owner lives: the callback holds it weakly, so a monitor that is dropped without `close()` is not
 * kept alive by the metrics. Returns the function that stops it.
 */
export function observeProcesses<T extends object>(owner: T, count: (owner: T) => ReadonlyMap<string, number>): () => void {
  if (otelApi() === undefined) return () => undefined;
  const ref = new WeakRef(owner);
  const stop = heartbeatInstruments.observe("processes", (observe) => {
    const alive = ref.deref();
    if (alive === undefined) {
      stop();
      return;
    }
    for (const [state, value] of count(alive)) observe(value, { [ATTR.HEARTBEAT_STATE]: state });
  });
  return stop;
}
