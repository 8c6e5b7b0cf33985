import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { checkOptionKeys, durationMsOption, integerOption, type Observable, type TimerHandle } from "@x/core";
import { OutputError, UnixDatagramUnsupportedError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import { enumOption, stringOption } from "../internal/options.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseOutput, OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import {
  chooseDatagramRelay,
  DATAGRAM_RELAYS,
  type DatagramRelay,
  frameDatagram,
  parseRelayAnswer,
  RELAY_SCRIPT,
} from "./datagram-relay.js";
import type { Output } from "./output.js";
import { SocatDatagramOutput } from "./unix-datagram-socat.js";

/** Time a send may block on a receiver that stopped reading before it fails, by default: 5 s. */
export const DEFAULT_DATAGRAM_SEND_TIMEOUT_MS = 5_000;
/** Wait before a relay that died is started again, by default: 1 s. */
export const DEFAULT_RELAY_RESTART_DELAY_MS = 1_000;
/** Time the relay gets at close() to answer for what it holds before it is killed. */
const RELAY_CLOSE_GRACE_MS = 1_000;
/** Bytes of messages handed to the relay and not yet answered, by default: 20 MiB (the spool bound of the other outputs). */
export const DEFAULT_DATAGRAM_PENDING_BYTES = 20 * 1024 * 1024;

/** Options for {@link unixDatagramOutput}. */
export interface UnixDatagramOutputOptions extends OutputOptions {
  /** Path of the unix datagram socket (seismometer's unix input). Required. */
  readonly path: string;
  /**
   * Which relay sends the datagrams: `"python3"` (one long-lived script) or `"socat"` (one process
   * per message). @default python3 when it is on PATH, else socat
   */
  readonly relay?: DatagramRelay;
  /** The relay's executable: a name looked up on PATH, or a path. Given without `relay`, it is a python 3 interpreter. @default "python3" or "socat" */
  readonly relayCommand?: string;
  /** A send that blocks this long (a receiver that stopped reading) fails and the message is dropped. @default DEFAULT_DATAGRAM_SEND_TIMEOUT_MS */
  readonly sendTimeoutMs?: number;
  /** Wait before a relay that exited is started again. @default DEFAULT_RELAY_RESTART_DELAY_MS */
  readonly restartDelayMs?: number;
  /** Bytes waiting for the relay (while it sends, or while it restarts); a message beyond is dropped and counted. @default DEFAULT_DATAGRAM_PENDING_BYTES */
  readonly pendingBytes?: number;
  /** Environment of the relay and the PATH it is looked up on. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Events of a unix datagram output, observed with `output.on(event, listener)`. */
export interface UnixDatagramOutputEvents {
  /** A relay process started (the first one, or one replacing a relay that exited); python3 relay only. */
  relayStarted: { readonly pid: number | undefined };
  /** The relay exited or could not start; it is started again after `restartDelayMs`. Messages it held unanswered were dropped. python3 relay only. */
  relayExited: {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly error: Error | undefined;
    readonly dropped: number;
  };
}

/** A unix datagram socket output. */
export interface UnixDatagramOutput extends Output, Observable<UnixDatagramOutputEvents> {}

/** The option keys of {@link unixDatagramOutput} besides `path`. */
export const UNIX_DATAGRAM_OPTION_KEYS = [
  ...OUTPUT_OPTION_KEYS,
  "relay",
  "relayCommand",
  "sendTimeoutMs",
  "restartDelayMs",
  "pendingBytes",
  "env",
] as const;

interface Settings {
  readonly command: string;
  readonly sendTimeoutMs: number;
  readonly restartDelayMs: number;
  readonly pendingBytes: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * One datagram per message (a JSON line, as the UDP output), sent by a long-lived relay child
 * (see datagram-relay.ts) that answers per message: a message is `sent` once the kernel took it,
 * and `dropped` (counted, logged at most every `warnIntervalMs`) when the socket refused it
 * (nobody bound: `ENOENT`/`ECONNREFUSED`; too large: `EMSGSIZE`; a receiver that stopped reading:
 * `ETIMEDOUT`), as with any datagram. A relay that dies is started again after `restartDelayMs`;
 * messages sent meanwhile wait for it, within `pendingBytes`.
 */
class RelayedDatagramOutput extends BaseOutput<UnixDatagramOutputEvents> implements UnixDatagramOutput {
  readonly #path: string;
  readonly #settings: Settings;
  #relay: ChildProcessWithoutNullStreams | undefined;
  /** Byte sizes of the messages written to the current relay and not yet answered, in order. */
  #unanswered: number[] = [];
  /** Framed messages waiting for a relay (none is running, or it is being restarted). */
  #waiting: Buffer[] = [];
  #pendingBytes = 0;
  /** Set while a restart waits for `restartDelayMs` (boxed: a TimerHandle may be any value). */
  #restartTimer: { readonly handle: TimerHandle } | undefined;

  constructor(path: string, settings: Settings, options: OutputOptions) {
    super(`unix:${path}`, options);
    this.#path = path;
    this.#settings = settings;
  }

  protected deliver(_message: ProbeMessage, json: string): void {
    const framed = frameDatagram(Buffer.from(`${json}\n`, "utf8"));
    if (this.#pendingBytes + framed.length > this.#settings.pendingBytes) {
      this.countDropped(1, new OutputError(`send failed: ${this.#pendingBytes} bytes are waiting for the relay (pendingBytes)`));
      return;
    }
    this.#pendingBytes += framed.length;
    this.pending.add();
    // The first relay starts with the first message; a restarting one takes the message later.
    if (this.#relay === undefined && this.#restartTimer === undefined) this.#start();
    if (this.#relay === undefined) this.#waiting.push(framed);
    else this.#write(this.#relay, framed);
  }

  #write(relay: ChildProcessWithoutNullStreams, framed: Buffer): void {
    this.#unanswered.push(framed.length);
    relay.stdin.write(framed);
  }

  #start(): void {
    const relay = spawn(this.#settings.command, ["-c", RELAY_SCRIPT, this.#path, String(this.#settings.sendTimeoutMs / 1000)], {
      env: this.#settings.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#relay = relay;
    let ended = false;
    let stderr = "";
    const end = (code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void => {
      if (ended) return;
      ended = true;
      this.#relayEnded(relay, code, signal, error ?? (stderr === "" ? undefined : new OutputError(`relay: ${stderr.trim().slice(-500)}`)));
    };
    relay.once("error", (error) => {
      end(null, null, error);
    });
    relay.once("close", (code, signal) => {
      end(code, signal, undefined);
    });
    // EPIPE when the relay died with messages on their way: its exit is handled by "close".
    relay.stdin.on("error", () => undefined);
    relay.stderr.on("data", (chunk: Buffer) => {
      stderr = `${stderr}${chunk.toString("utf8")}`.slice(-2_000);
    });
    createInterface({ input: relay.stdout }).on("line", (line) => {
      this.#answered(line);
    });
    this.events.emit("relayStarted", { pid: relay.pid });
    for (const framed of this.#waiting.splice(0)) this.#write(relay, framed);
  }

  #answered(line: string): void {
    const size = this.#unanswered.shift();
    if (size === undefined) return;
    this.#pendingBytes -= size;
    const answer = parseRelayAnswer(line);
    if (answer.ok) this.countSent();
    else this.countDropped(1, new OutputError(`send failed: ${answer.reason}`));
    this.pending.done();
  }

  #relayEnded(relay: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void {
    if (this.#relay !== relay) return;
    this.#relay = undefined;
    // What it held unanswered may or may not have been sent: counted as lost, never as sent.
    const lost = this.#unanswered.splice(0);
    for (const size of lost) this.#pendingBytes -= size;
    if (lost.length > 0) {
      this.countDropped(
        lost.length,
        new OutputError(`the datagram relay exited (${signal ?? `code ${String(code)}`})${error ? `: ${errorText(error)}` : ""}`),
      );
    } else if (!this.closed) {
      this.warnLimited({ code, signal, ...(error ? { error } : {}) }, "datagram relay exited");
    }
    for (const _ of lost) this.pending.done();
    this.events.emit("relayExited", { code, signal, error, dropped: lost.length });
    if (this.closed) return;
    // Always after a pause, so a relay that dies at once is not started again for every message.
    this.#restartTimer = {
      handle: this.time.setTimeout(() => {
        this.#restartTimer = undefined;
        if (!this.closed && this.#relay === undefined) this.#start();
      }, this.#settings.restartDelayMs),
    };
  }

  protected async shutdown(): Promise<void> {
    if (this.#restartTimer !== undefined) {
      this.time.clearTimeout(this.#restartTimer.handle);
      this.#restartTimer = undefined;
    }
    const waiting = this.#waiting.splice(0);
    if (waiting.length > 0) {
      for (const framed of waiting) this.#pendingBytes -= framed.length;
      this.countDropped(waiting.length, new OutputError("closed before the datagram relay could send"));
      for (const _ of waiting) this.pending.done();
    }
    const relay = this.#relay;
    if (relay === undefined) return;
    const exited = new Promise<void>((resolve) => {
      relay.once("close", () => {
        resolve();
      });
    });
    // The relay sends what it was given, answers and ends with its input. close() does not wait
    // for deliveries (flush() does): a relay still blocked on a receiver that stopped reading is
    // killed after a short grace, and what it held is counted as dropped.
    relay.stdin.end();
    const kill = this.time.setTimeout(() => {
      relay.kill("SIGKILL");
    }, RELAY_CLOSE_GRACE_MS);
    await exited;
    this.time.clearTimeout(kill);
  }
}

/**
 * An output that sends one datagram per message to a unix datagram socket (`unix:PATH`,
 * seismometer's unix input), through a relay child (Node cannot send unix datagrams): a long-lived
 * `python3` script, or where python3 is missing, one `socat` per message.
 *
 * @throws UnixDatagramUnsupportedError when no relay can run (neither python3 nor socat found), before anything is sent.
 * @example
 * ```ts
 * const output = unixDatagramOutput({ path: "/run/seismometer/input.sock" });
 * ```
 */
export function unixDatagramOutput(options: UnixDatagramOutputOptions): UnixDatagramOutput {
  checkOptionKeys(options, [...UNIX_DATAGRAM_OPTION_KEYS, "path"], "unixDatagramOutput");
  const given = (options as Partial<UnixDatagramOutputOptions> | undefined) ?? {};
  const path = stringOption("path", given.path);
  const relay = given.relay === undefined ? undefined : enumOption("relay", given.relay, DATAGRAM_RELAYS, "python3");
  const relayCommand = given.relayCommand === undefined ? undefined : stringOption("relayCommand", given.relayCommand);
  const env = given.env ?? process.env;
  const sendTimeoutMs = durationMsOption("sendTimeoutMs", given.sendTimeoutMs, DEFAULT_DATAGRAM_SEND_TIMEOUT_MS, { min: 1 });
  const restartDelayMs = durationMsOption("restartDelayMs", given.restartDelayMs, DEFAULT_RELAY_RESTART_DELAY_MS);
  const pendingBytes = integerOption("pendingBytes", given.pendingBytes, DEFAULT_DATAGRAM_PENDING_BYTES, 1);
  const choice = chooseDatagramRelay(path, { relay, relayCommand, searchPath: env.PATH });
  if (choice === undefined) throw new UnixDatagramUnsupportedError(path, relayCommand ?? relay);
  if (choice.relay === "socat")
    return new SocatDatagramOutput(path, { command: choice.command, sendTimeoutMs, pendingBytes, env }, options);
  return new RelayedDatagramOutput(path, { command: choice.command, sendTimeoutMs, restartDelayMs, pendingBytes, env }, options);
}
