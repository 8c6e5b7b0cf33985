import type { LogFields, Logger } from "@x/core";
import { vi } from "vitest";
import type { AnyActor } from "../src/actor.js";
import type { DeadLetterInput } from "../src/dead-letter.js";
import type { Delivery } from "../src/delivery.js";
import type { JobEnvironment } from "../src/job.js";
import { Pulse } from "../src/pulse.js";
import { Tasks } from "../src/tasks.js";

/** What a fake delivery was told to do. */
export type Settlement = { kind: "ack" } | { kind: "nak"; delayMs: number } | { kind: "term" };

/** An in-memory delivery that records its settlements and pulses. */
export interface FakeDelivery extends Delivery {
  readonly settlements: Settlement[];
  readonly pulses: number[];
}

export function fakeDelivery(init: {
  data?: Uint8Array | string;
  headers?: Record<string, string>;
  deliveryCount?: number;
  streamSeq?: number;
  storedAt?: number;
  failAck?: boolean;
  malformedHeaders?: string;
}): FakeDelivery {
  const settlements: Settlement[] = [];
  const pulses: number[] = [];
  const data = init.data ?? "{}";
  return {
    data: typeof data === "string" ? new TextEncoder().encode(data) : data,
    headers: init.headers ?? {},
    deliveryCount: init.deliveryCount ?? 1,
    streamSeq: init.streamSeq ?? 1,
    storedAt: init.storedAt ?? Date.now(),
    malformedHeaders: init.malformedHeaders,
    settlements,
    pulses,
    async ack() {
      settlements.push({ kind: "ack" });
      return init.failAck === true ? new Error("no confirmation") : undefined;
    },
    async nak(delayMs: number) {
      settlements.push({ kind: "nak", delayMs });
      return undefined;
    },
    async term() {
      settlements.push({ kind: "term" });
      return undefined;
    },
    working() {
      pulses.push(Date.now());
    },
  };
}

/** A logger that remembers every line. */
export function memoryLogger(): Logger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at = (level: string) => (fields: LogFields, message: string) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A job environment around one actor, with a recording dead-letter publisher. */
export function jobEnvironment(actor: AnyActor, options: { failDeadLetter?: boolean } = {}) {
  const logger = memoryLogger();
  const shutdown = new AbortController();
  const deadLetters: DeadLetterInput[] = [];
  const slots = { freed: 0 };
  const replies: { subject: string; data: Uint8Array; headers: Readonly<Record<string, string>> }[] = [];
  const env: JobEnvironment = {
    actor,
    logger,
    tasks: new Tasks((error) => {
      logger.error({ error: String(error) }, "hook task failed");
    }),
    pulse: new Pulse(actor.ackWaitMs / 2),
    running: new Set(),
    shutdown: shutdown.signal,
    deadLetter: vi.fn(async (input: DeadLetterInput) => {
      if (options.failDeadLetter === true) throw new Error("dead-letter stream missing");
      deadLetters.push(input);
      return `dead-letters.${input.info.event}.${input.info.actor}`;
    }),
    freeSlot: () => {
      slots.freed++;
    },
    reply: (subject, data, headers) => {
      replies.push({ subject, data, headers });
    },
  };
  return { env, logger, deadLetters, shutdown, slots, replies };
}
