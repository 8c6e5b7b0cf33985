import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseOutput, type OutputOptions } from "./base-output.js";
import type { UnixDatagramOutput, UnixDatagramOutputEvents } from "./unix-datagram.js";

/** What the socat relay needs. */
export interface SocatSettings {
  readonly command: string;
  readonly sendTimeoutMs: number;
  readonly pendingBytes: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The part of socat's error line after the call: `No such file or directory`. */
function socatReason(stderr: string, code: number | null): string {
  const line = stderr.trim().split("\n").pop() ?? "";
  const at = line.lastIndexOf("): ");
  if (at >= 0) return line.slice(at + 3);
  return line === "" ? `socat exited with code ${String(code)}` : line.slice(-300);
}

/**
 * The fallback where python3 is missing and socat is installed: one `socat` per message, in
 * order, reading the message from a private temporary file (a regular file is read whole in one
 * read, so the message is one datagram; a pipe gives no such promise) and sending it with
 * `sendto`. socat's exit status says whether the kernel took it, so `sent` and `dropped` stay
 * exact. Slower than the python3 relay (a process per message), which is preferred when present.
 */
export class SocatDatagramOutput extends BaseOutput<UnixDatagramOutputEvents> implements UnixDatagramOutput {
  readonly #path: string;
  readonly #settings: SocatSettings;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #running = false;
  #dir: Promise<string> | undefined;
  #sequence = 0;
  /** The socat sending right now, so close() can end it. */
  #current: { readonly kill: () => void; readonly done: Promise<void> } | undefined;

  constructor(path: string, settings: SocatSettings, options: OutputOptions) {
    super(`unix:${path}`, options);
    this.#path = path;
    this.#settings = settings;
  }

  protected deliver(_message: ProbeMessage, json: string): void {
    const datagram = Buffer.from(`${json}\n`, "utf8");
    if (this.#queuedBytes + datagram.length > this.#settings.pendingBytes) {
      this.countDropped(1, new OutputError(`send failed: ${this.#queuedBytes} bytes are waiting for socat (pendingBytes)`));
      return;
    }
    this.#queuedBytes += datagram.length;
    this.pending.add();
    this.#queue.push(datagram);
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (let datagram = this.#queue.shift(); datagram !== undefined && !this.closed; datagram = this.#queue.shift()) {
        const reason = await this.#sendOne(datagram).catch((error: unknown) => errorText(error));
        this.#queuedBytes -= datagram.length;
        if (reason === undefined) this.countSent();
        else this.countDropped(1, new OutputError(`send failed: ${reason}`));
        this.pending.done();
      }
    } finally {
      this.#running = false;
    }
  }

  /** Sends one datagram; resolves to why it failed, or `undefined` once the kernel took it. */
  async #sendOne(datagram: Buffer): Promise<string | undefined> {
    this.#dir ??= mkdtemp(join(tmpdir(), "x-probe-dgram-"));
    const file = join(await this.#dir, `${this.#sequence++}.json`);
    await writeFile(file, datagram, { mode: 0o600 });
    try {
      const child = spawn(
        this.#settings.command,
        ["-u", "-b", String(Math.max(datagram.length, 1)), `OPEN:${file},rdonly`, `UNIX-SENDTO:${this.#path}`],
        { env: this.#settings.env, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr = `${stderr}${chunk.toString("utf8")}`.slice(-2_000);
      });
      let timedOut = false;
      // A receiver that stopped reading blocks sendto: give up after sendTimeoutMs.
      const timer = this.time.setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, this.#settings.sendTimeoutMs);
      const done = new Promise<string | undefined>((resolve) => {
        child.once("error", (error) => {
          resolve(errorText(error));
        });
        child.once("close", (code) => {
          this.time.clearTimeout(timer);
          if (timedOut) resolve(`ETIMEDOUT: the receiver took no datagram for ${this.#settings.sendTimeoutMs / 1000}s`);
          else resolve(code === 0 ? undefined : socatReason(stderr, code));
        });
      });
      this.#current = {
        kill: () => {
          child.kill("SIGKILL");
        },
        done: done.then(() => undefined),
      };
      return await done;
    } finally {
      this.#current = undefined;
      await rm(file, { force: true });
    }
  }

  protected async shutdown(): Promise<void> {
    const waiting = this.#queue.splice(0);
    if (waiting.length > 0) {
      for (const datagram of waiting) this.#queuedBytes -= datagram.length;
      this.countDropped(waiting.length, new OutputError("closed before socat could send"));
      for (const _ of waiting) this.pending.done();
    }
    // close() does not wait for deliveries (flush() does): a send in progress is ended now.
    const current = this.#current;
    if (current !== undefined) {
      current.kill();
      await current.done;
    }
    await this.#dir?.then(
      (dir) => rm(dir, { recursive: true, force: true }),
      () => undefined,
    );
  }
}
