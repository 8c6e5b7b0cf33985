import { describe, expect, it } from "vitest";
import { fakeDelivery, jobEnvironment, memoryLogger } from "../../test/fakes.js";
import { Actor } from "../actor.js";
import { Event } from "../event.js";
import { runJob } from "../job.js";
import type { Context } from "../middleware.js";
import { currentContext } from "./current-context.js";
import { loggingMiddleware } from "./logging.js";

const EVENT = Event<{ n: number }>("numbers");
const data = (n: number): string => JSON.stringify({ n });

describe("loggingMiddleware", () => {
  it("logs received, processed and failed with structured fields", async () => {
    const logger = memoryLogger();
    let calls = 0;
    const actor = Actor(
      "print",
      EVENT,
      () => {
        if (++calls === 2) throw new TypeError("bad number");
      },
      { maxAttempts: 1, middlewares: [loggingMiddleware(logger)] },
    );
    const { env } = jobEnvironment(actor);
    await runJob(fakeDelivery({ data: data(1), streamSeq: 1 }), env);
    await runJob(fakeDelivery({ data: data(2), streamSeq: 2 }), env);
    const lines = logger.lines.map((l) => [l.level, l.message, l.fields.seq]);
    expect(lines).toEqual([
      ["debug", "event received", 1],
      ["debug", "event processed", 1],
      ["debug", "event received", 2],
      ["error", "actor failed", 2],
      ["error", "event dead-lettered", 2],
    ]);
    expect(logger.lines[1]?.fields).toMatchObject({
      actor: "print",
      event: "numbers",
      attempt: 1,
      durationMs: expect.any(Number) as unknown,
    });
    expect(logger.lines[3]?.fields).toMatchObject({ error: "TypeError: bad number", errorType: "TypeError", willRetry: false });
    expect(logger.lines[4]?.fields).toMatchObject({ reason: "max-attempts", subject: "dead-letters.numbers.print" });
  });

  it("logs a failure that will be retried as a warning", async () => {
    const logger = memoryLogger();
    const actor = Actor(
      "print",
      EVENT,
      () => {
        throw new Error("later");
      },
      { middlewares: [loggingMiddleware(logger)] },
    );
    const { env } = jobEnvironment(actor);
    await runJob(fakeDelivery({ data: data(1) }), env);
    expect(logger.lines.find((l) => l.message === "actor failed")?.level).toBe("warn");
  });
});

describe("currentContext (AsyncLocalStorage)", () => {
  it("gives each of 40 concurrent jobs its own context, deep inside the handler", async () => {
    const current = currentContext();
    const seen: [number, number | undefined][] = [];
    const deep = async (): Promise<number | undefined> => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return (current.context as Context<{ n: number }> | undefined)?.message.n;
    };
    const actor = Actor(
      "ctx",
      EVENT,
      async (payload) => {
        seen.push([payload.n, await deep()]);
      },
      { middlewares: [current] },
    );
    const { env } = jobEnvironment(actor);
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, n) => runJob(fakeDelivery({ data: data(n), streamSeq: n }), env)));
    expect(outcomes.every((o) => o === "acked")).toBe(true);
    expect(seen).toHaveLength(40);
    for (const [n, fromContext] of seen) expect(fromContext).toBe(n);
    // Outside any job there is no context: nothing leaked into the caller.
    expect(current.context).toBeUndefined();
  });
});
