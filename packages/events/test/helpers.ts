import { connect as tcpConnect } from "node:net";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type ChildProcess, startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll } from "vitest";

/** Calls `onLine` for every line the child prints on stdout. */
export function onLines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  });
}

/** Everything the child prints on stderr, for assertion messages. */
export function stderrOf(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return () => text;
}

/**
 * Resolves once `check` returns true, re-checking every `everyMs`. No deadline of its own: the
 * test's timeout bounds it, so a slow machine only makes the test slower, never flaky.
 */
export async function until(check: () => boolean, everyMs = 20): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

/** Resolves with the exit code (or signal) of a child. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code ?? signal);
    }),
  );
}

/** A unique kebab-case name for streams and actors, so tests sharing a server never collide. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A nats-server shared by the tests of one file, with a connection and a JetStream manager. */
export interface SharedNats {
  readonly url: string;
  readonly port: number;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

/** Starts a nats-server before the file's tests and stops it after them. */
export function sharedNatsServer(): SharedNats {
  let state: (SharedNats & { stop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    state = {
      url: server.url,
      port: server.port,
      nc,
      jsm: await jetstreamManager(nc),
      stop: async () => {
        await server[Symbol.asyncDispose]();
      },
    };
  });
  afterAll(async () => {
    await state?.nc.close();
    await state?.stop();
  });
  const get = (): SharedNats => {
    if (state === undefined) throw new Error("the shared nats-server is only there inside tests");
    return state;
  };
  return {
    get url() {
      return get().url;
    },
    get port() {
      return get().port;
    },
    get nc() {
      return get().nc;
    },
    get jsm() {
      return get().jsm;
    },
  };
}

/**
 * Publishes like a foreign, non-@x client writing the NATS protocol by hand: any header block
 * (even one the official client refuses to build) and any payload bytes.
 */
export async function publishRaw(port: number, subject: string, headerBlock: string, payload: string): Promise<void> {
  const hdr = Buffer.from(headerBlock, "latin1");
  const body = Buffer.from(payload, "latin1");
  await new Promise<void>((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1", () => {
      socket.write(`CONNECT {"headers":true,"verbose":false,"pedantic":false}\r\n`);
      socket.write(`HPUB ${subject} ${hdr.length} ${hdr.length + body.length}\r\n`);
      socket.write(Buffer.concat([hdr, body, Buffer.from("\r\nPING\r\n")]));
    });
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      if (answer.includes("-ERR")) reject(new Error(`the server refused the raw publish: ${answer.trim()}`));
      if (answer.includes("PONG")) socket.end(resolve);
    });
    socket.on("error", reject);
  });
}

/** A gate handlers wait at until the test opens it: `await gate.passed` inside, `gate.open()` outside. */
export function gate(): { readonly passed: Promise<void>; open(): void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}
