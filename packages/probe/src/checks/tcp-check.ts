import { connect } from "node:net";
import { checkOptionKeys } from "@x/core";
import type { Check, CheckContext, CheckFailure, CheckOutput } from "../contract.js";
import { portOption, stringOption } from "../internal/options.js";
import { createMessage } from "../message/build.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseCheck, CHECK_OPTION_KEYS, type CheckOptions } from "./base-check.js";

/** Aspect of TCP check messages when the options give none. */
export const DEFAULT_TCP_ASPECT = "tcp";

/** Where a {@link tcpCheck} connects. */
export interface TcpTarget {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port, 1-65535. */
  readonly port: number;
}

/** Options for {@link tcpCheck}. */
export interface TcpCheckOptions extends CheckOptions {
  /** @default DEFAULT_TCP_ASPECT */
  readonly aspect?: string;
}

/**
 * Connects to a TCP port on schedule and reports `ok`/`expected` with the value `connect_time`
 * (ms), or `critical`/`error` with the reason when the connection fails or times out.
 */
export class TcpCheck extends BaseCheck {
  /** Where it connects. */
  readonly target: TcpTarget;
  /** The aspect of its messages (`event.name`). */
  override readonly aspect: string;

  constructor(target: TcpTarget, options: TcpCheckOptions) {
    super(options);
    const t = (target as Partial<TcpTarget> | undefined) ?? {};
    this.target = { host: stringOption("target.host", t.host), port: portOption("target.port", t.port) };
    this.aspect = options.aspect ?? DEFAULT_TCP_ASPECT;
  }

  protected defaultName(): string {
    return `tcp ${this.target.host.includes(":") ? `[${this.target.host}]` : this.target.host}:${this.target.port}`;
  }

  /** Connects once and reports how long it took, or why it failed. */
  async run(context: CheckContext): Promise<CheckOutput> {
    this.markRun(context);
    const started = performance.now();
    const problem = await new Promise<string | undefined>((resolve, reject) => {
      const socket = connect({ host: this.target.host, port: this.target.port, signal: context.signal });
      socket.once("connect", () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once("error", (error) => {
        socket.destroy();
        if (context.signal.aborted) reject(context.signal.reason as Error);
        else resolve(error.message);
      });
    });
    const connectTime = Math.round((performance.now() - started) * 1000) / 1000;
    return this.#message(problem, problem === undefined ? connectTime : null);
  }

  /** A timed-out connect is `critical`, like a refused one. */
  failureMessages(failure: CheckFailure): ProbeMessage {
    return this.#message(failure.kind === "timeout" ? failure.error.message : `check failed: ${failure.error.message}`, null);
  }

  #message(problem: string | undefined, connectTime: number | null): ProbeMessage {
    return createMessage({
      aspect: this.aspect,
      location: this.location,
      state: problem === undefined ? "ok" : "critical",
      severity: problem === undefined ? "expected" : "error",
      values: { connect_time: { value: connectTime, unit: "ms" } },
      ...(problem === undefined ? {} : { comment: problem }),
    });
  }
}

/**
 * A check that connects to `target` every `options.intervalMs`.
 *
 * @example
 * ```ts
 * const db = tcpCheck({ host: "127.0.0.1", port: 5432 }, { aspect: "postgres", intervalMs: 10_000 });
 * ```
 */
export function tcpCheck(target: TcpTarget, options: TcpCheckOptions): Check {
  checkOptionKeys(options, CHECK_OPTION_KEYS, "tcpCheck");
  checkOptionKeys(target, ["host", "port"], "tcpCheck");
  return new TcpCheck(target, options);
}
