import { checkOptionKeys, durationMsOption, InvalidOptionError, integerOption, type Logger, loggerOption } from "@x/core";
import { WIRE_DIALECTS, type WireDialect } from "@x/message";
import { tubeNameProblem } from "./tube.js";

/** beanstalkd's address when the options do not say. */
export const DEFAULT_HOST = "127.0.0.1";
/** beanstalkd's standard port. */
export const DEFAULT_PORT = 11300;
/** beanstalkd's own default tube, which every other client also uses unless told otherwise. */
export const DEFAULT_TUBE = "default";
/** Time to run of a job (its lease): pulpo's and greenstalk's 60 seconds. */
export const DEFAULT_TTR_MS = 60_000;
/** How long a call waits for a (re)connection before it rejects with `ConnectionError`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a command waits for its reply before the socket is dropped (`TimeoutError`). It is
 * also how a partition (a link that stays open but carries nothing) is noticed, so it is a few
 * seconds: beanstalkd answers at once, and a put waiting behind the pipeline window starts its
 * clock only when it is sent.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** First reconnect delay; it doubles per failed attempt. */
export const DEFAULT_RECONNECT_DELAY_MS = 100;
/** Upper bound of the reconnect delay. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
/** Longest single `reserve-with-timeout` a waiting `reserve()` sends. */
export const DEFAULT_RESERVE_SLICE_MS = 5_000;
/** Jobs reserved ahead of `reserve()` calls: none, so order and attempt counts stay exact. */
export const DEFAULT_PREFETCH = 0;

/** beanstalkd's TTR and delays are unsigned 32-bit numbers of seconds. */
export const MAX_SECONDS = 2 ** 32 - 1;
/** The longest `ttrMs` beanstalkd can express. */
const MAX_TTR_MS = MAX_SECONDS * 1000;
/** The longest slice: an hour, far beyond any useful check of a stalled link. */
const MAX_RESERVE_SLICE_MS = 3_600_000;

/** Milliseconds to whole seconds for beanstalkd, never shorter than asked. */
export function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** Options for {@link createBeanstalkQueue}. */
export interface BeanstalkQueueOptions {
  /** beanstalkd host. @default "127.0.0.1" */
  readonly host?: string;
  /** beanstalkd port. @default 11300 */
  readonly port?: number;
  /**
   * The tube jobs are put into and reserved from. Checked against beanstalkd's naming rule
   * before anything is sent. @default "default" (beanstalkd's own)
   */
  readonly tube?: string;
  /**
   * Time to run, in milliseconds: how long a reservation is held before beanstalkd hands the
   * job out again. beanstalkd counts whole seconds, so it is rounded **up** to the next second
   * (`1500` holds for 2 s; a lease never ends early); `Reservation.leaseMs` tells the lease
   * actually granted. A message can set its own with the header key `ttr` (whole seconds, the
   * wire format pulpo shares).
   * @default 60 000
   */
  readonly ttrMs?: number;
  /** How long a call waits for a (re)connection before rejecting with `ConnectionError`. @default 10 000 */
  readonly connectTimeoutMs?: number;
  /** How long a command waits for its reply; then the socket is dropped and the call rejects with `TimeoutError`. @default 5 000 */
  readonly commandTimeoutMs?: number;
  /** First delay between reconnect attempts; doubles per failure, with jitter. @default 100 */
  readonly reconnectDelayMs?: number;
  /** Upper bound of the reconnect delay. @default 2 000 */
  readonly maxReconnectDelayMs?: number;
  /**
   * A long `reserve()` is sent as `reserve-with-timeout` commands of at most this long, so a
   * server that stops answering is noticed within `reserveSliceMs + commandTimeoutMs`. beanstalkd
   * waits in whole seconds, so it is rounded down to whole seconds; at least 1 000.
   * @default 5 000
   */
  readonly reserveSliceMs?: number;
  /**
   * When a `reserve()` gets a job, also reserve up to this many more that are ready right now
   * (`reserve-with-timeout 0` on the same socket, in one write, never waiting) and hand them to the
   * next `reserve()` calls, most urgent first; they are touched while they wait, so waiting never
   * costs them their lease. For callers that reserve one job at a time (a worker with concurrency
   * 1): the next call is answered without a round trip. A worker with a higher concurrency gains
   * nothing from it: it already fills its free slots with reserves that share writes. The price:
   * prefetched jobs count as reserved in `stats()` and are held by this process before a handler
   * is free; a job that arrives meanwhile with a more urgent priority waits behind them; and one
   * given back unused (on `close()`, or when a waiting `reserve()` is aborted) counts one attempt.
   * Keep it below the caller's concurrency.
   * @default 0
   */
  readonly prefetch?: number;
  /**
   * How `enqueue` writes jobs. `"pulpo"` writes them as pulpo-messaging's beanstalkd adapter does
   * (pulpo's date forms, `indent=2`, no id in the body), so pulpo workers on the same tube can
   * read them. Reading takes both forms either way.
   * @default "iso"
   */
  readonly dialect?: WireDialect;
  /** Receives connection changes and buried jobs as structured log lines (pino, console, ...). @default no logging */
  readonly logger?: Logger;
}

/** Every option of {@link createBeanstalkQueue}, for `checkOptionKeys`. */
const OPTION_KEYS: readonly (keyof BeanstalkQueueOptions)[] = [
  "host",
  "port",
  "tube",
  "ttrMs",
  "connectTimeoutMs",
  "commandTimeoutMs",
  "reconnectDelayMs",
  "maxReconnectDelayMs",
  "reserveSliceMs",
  "prefetch",
  "dialect",
  "logger",
];

/** The options with every default filled in; durations beanstalkd counts in seconds are converted. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly tube: string;
  /** `ttrMs` rounded up to whole seconds, as beanstalkd's `put` takes it. */
  readonly ttrSeconds: number;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /** `reserveSliceMs` rounded down to whole seconds, as `reserve-with-timeout` takes it. */
  readonly reserveSliceSeconds: number;
  readonly prefetch: number;
  readonly dialect: WireDialect;
  readonly logger: Logger;
}

/** A duration that must be more than zero (a zero timeout or delay would spin or never wait). */
function positiveMs(option: string, value: unknown, fallback: number, max = Number.POSITIVE_INFINITY): number {
  const ms = durationMsOption(option, value, fallback, { max });
  if (ms <= 0) throw new InvalidOptionError(option, value, "must be more than 0 milliseconds");
  return ms;
}

/**
 * Checks every option up front (unknown keys included) and fills in the defaults; the caller's
 * object is not touched.
 * @throws InvalidOptionError naming the option.
 */
export function resolveOptions(options: BeanstalkQueueOptions): ResolvedOptions {
  checkOptionKeys(options, OPTION_KEYS, "createBeanstalkQueue");
  const host: unknown = options.host ?? DEFAULT_HOST;
  if (typeof host !== "string" || host.length === 0) throw new InvalidOptionError("host", options.host, "must be a non-empty string");
  const tube: unknown = options.tube ?? DEFAULT_TUBE;
  const tubeProblem = tubeNameProblem(tube);
  if (tubeProblem !== undefined) throw new InvalidOptionError("tube", options.tube, tubeProblem);
  const reconnectDelayMs = positiveMs("reconnectDelayMs", options.reconnectDelayMs, DEFAULT_RECONNECT_DELAY_MS);
  const maxReconnectDelayMs = positiveMs("maxReconnectDelayMs", options.maxReconnectDelayMs, DEFAULT_MAX_RECONNECT_DELAY_MS);
  if (maxReconnectDelayMs < reconnectDelayMs) {
    throw new InvalidOptionError("maxReconnectDelayMs", maxReconnectDelayMs, `must be at least reconnectDelayMs (${reconnectDelayMs})`);
  }
  const dialect: unknown = options.dialect ?? "iso";
  if (!(WIRE_DIALECTS as readonly unknown[]).includes(dialect)) {
    throw new InvalidOptionError("dialect", options.dialect, `must be one of ${WIRE_DIALECTS.join(", ")}`);
  }
  return {
    host,
    port: integerOption("port", options.port, DEFAULT_PORT, 1, 65_535),
    tube: tube as string,
    ttrSeconds: toSeconds(positiveMs("ttrMs", options.ttrMs, DEFAULT_TTR_MS, MAX_TTR_MS)),
    connectTimeoutMs: positiveMs("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs: positiveMs("commandTimeoutMs", options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
    reconnectDelayMs,
    maxReconnectDelayMs,
    reserveSliceSeconds: Math.floor(
      durationMsOption("reserveSliceMs", options.reserveSliceMs, DEFAULT_RESERVE_SLICE_MS, { min: 1_000, max: MAX_RESERVE_SLICE_MS }) /
        1000,
    ),
    prefetch: integerOption("prefetch", options.prefetch, DEFAULT_PREFETCH, 0, 1_000),
    dialect: dialect as WireDialect,
    logger: loggerOption(options.logger),
  };
}
