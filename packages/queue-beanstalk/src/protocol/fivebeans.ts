/**
 * fivebeans' client, typed. fivebeans ships no types and `@types/fivebeans` does not exist, so
 * they are written here; and only `lib/client.js` is loaded, which keeps fivebeans' worker,
 * runner, lodash and yargs out of the process. A typed module rather than an ambient
 * `declare module`, so that every program that compiles these sources (a user's, the README
 * check's) sees the types without extra configuration.
 *
 * How the client reports results: a command's callback gets `(null, ...values)` on the expected
 * reply and `(reply)` otherwise, where `reply` is the server's bare word (`"NOT_FOUND"`,
 * `"TIMED_OUT"`, ...). Ids and counts arrive as strings, job bodies as Buffers and `stats*`
 * replies as YAML parsed by js-yaml. A callback is never called once the socket has closed.
 */
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Socket } from "node:net";

type Reply = string;
type Done = (err: Reply | null) => void;
type With<T extends unknown[]> = (err: Reply | null, ...values: T) => void;

/**
 * What fivebeans 1.5.0 (pinned) queues for each command sent: its own reply parser, of which only
 * the reply word it expects is used here (`session.ts` reads the replies itself, see
 * {@link FiveBeansClient.tryHandlingResponse}).
 */
export interface PendingReply {
  readonly expectedResponse: string;
}

/** An instance of fivebeans' `FiveBeansClient`: one socket, commands as callback methods. */
export interface FiveBeansClient extends EventEmitter {
  /** The socket, set by `connect()`. */
  stream: Socket | null;
  /** Reply parsers of the commands sent, oldest first, each with its callback. */
  handlers: [PendingReply, (err: Reply | null, ...values: unknown[]) => void][];
  /** Bytes received and not yet read; each `data` event appends to it, then calls {@link tryHandlingResponse}. */
  buffer: Buffer | undefined;
  /**
   * Reads the replies in {@link buffer}. `session.ts` replaces it on each client with a strict
   * reader: fivebeans' own throws on some bytes (js-yaml on an `OK` body), inside a socket event
   * handler, which would crash the process.
   */
  tryHandlingResponse(): void;
  /** Opens the socket; emits `connect`, `error` (no listener = crash) and `close`. */
  connect(): void;
  /** Half-closes the socket. */
  end(): void;

  use(tube: string, callback: With<[tube: string]>): void;
  watch(tube: string, callback: With<[watching: string]>): void;
  ignore(tube: string, callback: With<[watching: string]>): void;
  put(priority: number, delay: number, ttr: number, body: Buffer, callback: With<[id: string]>): void;
  reserve(callback: With<[id: string, body: Buffer]>): void;
  reserve_with_timeout(seconds: number, callback: With<[id: string, body: Buffer]>): void;
  destroy(id: number, callback: Done): void;
  release(id: number, priority: number, delay: number, callback: Done): void;
  bury(id: number, priority: number, callback: Done): void;
  touch(id: number, callback: Done): void;
  kick(max: number, callback: With<[kicked: string]>): void;
  kick_job(id: number, callback: Done): void;
  pause_tube(tube: string, delay: number, callback: Done): void;
  peek(id: number, callback: With<[id: string, body: Buffer]>): void;
  peek_buried(callback: With<[id: string, body: Buffer]>): void;
  stats_job(id: number, callback: With<[stats: unknown]>): void;
  stats_tube(tube: string, callback: With<[stats: unknown]>): void;
  stats(callback: With<[stats: unknown]>): void;
}

/** `new FiveBeansClient(host, port)`. */
export type FiveBeansClientClass = new (host?: string, port?: number) => FiveBeansClient;

/** fivebeans' client class (CommonJS, loaded on its own). */
export const FiveBeansClient = createRequire(import.meta.url)("fivebeans/lib/client.js") as FiveBeansClientClass;
