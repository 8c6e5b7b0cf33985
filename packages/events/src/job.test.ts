import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { fakeDelivery, jobEnvironment } from "../test/fakes.js";
import { Actor, type ActorOptions, type HandlerContext } from "./actor.js";
import { JobTimeoutError, SerializationError, ShutdownError } from "./errors.js";
import { Event } from "./event.js";
import { HEADER_DELAY_UNTIL } from "./headers.js";
import { DEAD_LETTER_ATTEMPTS, runJob } from "./job.js";
import type { Middleware } from "./middleware.js";

const ORDER = Event<{ id: number }>("order-placed");
const json = (value: unknown): string => JSON.stringify(value);

function actorWith(handler: (payload: { id: number }, ctx: HandlerContext) => unknown, options: ActorOptions<{ id: number }> = {}) {
  return Actor("ship", ORDER, handler, options);
}

/** Records hook calls of a middleware, in order, with the calls of the handler. */
function recorder(log: string[]): Middleware<{ id: number }> {
  return {
    onStart: (ctx) => void log.push(`start:${ctx.attempt}`),
    onSuccess: (ctx) => void log.push(`success:${ctx.message.id}`),
    onFailure: (ctx) => void log.push(`failure:${ctx.message === undefined ? "undecoded" : ctx.message.id}:${ctx.willRetry}`),
    onDeadLetter: (ctx) => void log.push(`dead:${ctx.reason}`),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("runJob: success and failure", () => {
  it("runs on_start, the handler, then acks and runs on_success", async () => {
    const log: string[] = [];
    let seen: HandlerContext | undefined;
    const actor = actorWith(
      (payload, ctx) => {
        seen = ctx;
        log.push(`handler:${payload.id}`);
      },
      { middlewares: [recorder(log)] },
    );
    const { env } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 7 }), headers: { "Nats-Msg-Id": "u7", "Walnats-Trace": "t7" }, streamSeq: 42 });
    expect(await runJob(delivery, env)).toBe("acked");
    expect(log).toEqual(["start:1", "handler:7", "success:7"]);
    expect(delivery.settlements).toEqual([{ kind: "ack" }]);
    expect(seen).toMatchObject({ actor: "ship", event: "order-placed", attempt: 1, maxAttempts: 5, seq: 42, uid: "u7", traceId: "t7" });
    expect(seen?.signal.aborted).toBe(false);
  });

  it("naks a failure with retryDelaysMs[attempt - 1] and runs on_failure", async () => {
    const log: string[] = [];
    const actor = actorWith(
      () => {
        log.push("handler");
        throw new Error("boom");
      },
      { retryDelaysMs: [100, 200, 300], middlewares: [recorder(log)] },
    );
    const { env, logger } = jobEnvironment(actor);
    const first = fakeDelivery({ data: json({ id: 1 }) });
    expect(await runJob(first, env)).toBe("retried");
    expect(first.settlements).toEqual([{ kind: "nak", delayMs: 100 }]);
    const third = fakeDelivery({ data: json({ id: 1 }), deliveryCount: 3 });
    expect(await runJob(third, env)).toBe("retried");
    expect(third.settlements).toEqual([{ kind: "nak", delayMs: 300 }]);
    expect(log).toEqual(["start:1", "handler", "failure:1:true", "start:3", "handler", "failure:1:true"]);
    expect(
      logger.lines.some(
        (l) => l.level === "warn" && l.message === "handler failed" && l.fields.actor === "ship" && l.fields.error === "Error: boom",
      ),
    ).toBe(true);
  });

  it("dead-letters after the last attempt and terminates the event", async () => {
    const log: string[] = [];
    const actor = actorWith(() => Promise.reject(new Error("always")), { maxAttempts: 3, middlewares: [recorder(log)] });
    const { env, deadLetters } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 3 }), deliveryCount: 3 });
    expect(await runJob(delivery, env)).toBe("dead-lettered");
    expect(delivery.settlements).toEqual([{ kind: "term" }]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ reason: "max-attempts", error: "Error: always", attempts: 3 });
    expect(log).toEqual(["start:3", "failure:3:false", "dead:max-attempts"]);
  });

  it("dead-letters without running when delivered after the last attempt (a crash during it)", async () => {
    const handler = vi.fn();
    const actor = actorWith(handler, { maxAttempts: 2 });
    const { env, deadLetters } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 1 }), deliveryCount: 3 });
    expect(await runJob(delivery, env)).toBe("dead-lettered");
    expect(handler).not.toHaveBeenCalled();
    expect(deadLetters[0]).toMatchObject({ reason: "max-attempts", attempts: 2 });
  });

  it("keeps the event when the dead-letter stream cannot take it (never vanishes)", async () => {
    const actor = actorWith(
      () => {
        throw new Error("x");
      },
      { maxAttempts: 1, retryDelaysMs: [250] },
    );
    const { env, logger } = jobEnvironment(actor, { failDeadLetter: true });
    const delivery = fakeDelivery({ data: json({ id: 1 }) });
    expect(await runJob(delivery, env)).toBe("retried");
    expect(delivery.settlements).toEqual([{ kind: "nak", delayMs: 250 }]);
    expect(logger.lines.some((l) => l.level === "error" && l.message.startsWith("cannot publish dead letter"))).toBe(true);
  });

  it("terminates (with an error logged) an event the dead-letter stream refused DEAD_LETTER_ATTEMPTS times, instead of retrying it forever", async () => {
    const actor = actorWith(
      () => {
        throw new Error("x");
      },
      { maxAttempts: 2, retryDelaysMs: [250] },
    );
    const { env, logger } = jobEnvironment(actor, { failDeadLetter: true });
    const lastTry = fakeDelivery({ data: json({ id: 1 }), deliveryCount: 2 + DEAD_LETTER_ATTEMPTS - 1 });
    expect(await runJob(lastTry, env)).toBe("retried");
    const giveUp = fakeDelivery({ data: json({ id: 1 }), deliveryCount: 2 + DEAD_LETTER_ATTEMPTS });
    expect(await runJob(giveUp, env)).toBe("terminated");
    expect(giveUp.settlements).toEqual([{ kind: "term" }]);
    expect(logger.lines.some((l) => l.level === "error" && l.message.includes("terminating the event"))).toBe(true);
    // An undecodable event has no runs of its own: its first delivery is already a try.
    const patient = jobEnvironment(
      actorWith(() => undefined, { maxAttempts: 20 }),
      { failDeadLetter: true },
    );
    expect(await runJob(fakeDelivery({ data: "{", deliveryCount: DEAD_LETTER_ATTEMPTS - 1 }), patient.env)).toBe("retried");
    expect(await runJob(fakeDelivery({ data: "{", deliveryCount: DEAD_LETTER_ATTEMPTS }), patient.env)).toBe("terminated");
  });

  it("frees the job's slot once, as soon as the handler is done, before the ack is confirmed", async () => {
    const actor = actorWith(() => undefined);
    const { env, slots } = jobEnvironment(actor);
    let confirm!: (failure: Error | undefined) => void;
    const delivery = {
      ...fakeDelivery({ data: json({ id: 1 }) }),
      ack: () => new Promise<Error | undefined>((resolve) => (confirm = resolve)),
    };
    const job = runJob(delivery, env);
    await vi.advanceTimersByTimeAsync(0);
    expect(slots.freed).toBe(1);
    confirm(undefined);
    expect(await job).toBe("acked");
    expect(slots.freed).toBe(1);
    const failing = jobEnvironment(actorWith(() => Promise.reject(new Error("x"))));
    await runJob(fakeDelivery({ data: json({ id: 1 }) }), failing.env);
    await runJob(fakeDelivery({ data: "{" }), failing.env);
    expect(failing.slots.freed).toBe(2);
  });

  it("logs an unconfirmed ack and still reports the job as handled", async () => {
    const actor = actorWith(() => undefined);
    const { env, logger } = jobEnvironment(actor);
    expect(await runJob(fakeDelivery({ data: json({ id: 1 }), failAck: true }), env)).toBe("acked");
    expect(
      logger.lines.some((l) => l.message === "acknowledgement not confirmed; the event may be delivered again" && l.fields.kind === "ack"),
    ).toBe(true);
  });
});

describe("runJob: retry schedule with a fake clock", () => {
  /** Plays the server: a nak(delay) redelivers after `delay` with the delivery count + 1. */
  async function simulate(options: ActorOptions<{ id: number }>): Promise<{ starts: number[]; outcomes: string[] }> {
    const t0 = Date.now();
    const starts: number[] = [];
    const outcomes: string[] = [];
    const actor = actorWith(() => {
      starts.push(Date.now() - t0);
      throw new Error("fails every time");
    }, options);
    const { env } = jobEnvironment(actor);
    let count = 1;
    for (;;) {
      const delivery = fakeDelivery({ data: json({ id: 1 }), deliveryCount: count, storedAt: t0 });
      const outcome = await runJob(delivery, env);
      outcomes.push(outcome);
      const last = delivery.settlements.at(-1);
      if (last?.kind !== "nak") break;
      await vi.advanceTimersByTimeAsync(last.delayMs);
      count++;
    }
    return { starts, outcomes };
  }

  it("with the defaults and maxAttempts 5, starts at 0, 0.5, 1.5, 3.5 and 7.5 s, then dead-letters", async () => {
    const { starts, outcomes } = await simulate({ maxAttempts: 5 });
    // walnats (index = delivery count) would start at 0, 1, 3, 7, 11 s and never use 0.5 s.
    expect(starts).toEqual([0, 500, 1_500, 3_500, 7_500]);
    expect(outcomes).toEqual(["retried", "retried", "retried", "retried", "dead-lettered"]);
  });

  it("uses retryDelaysMs [4, 5, 6] s as 4, 5, 6, 6 s", async () => {
    const { starts } = await simulate({ maxAttempts: 5, retryDelaysMs: [4_000, 5_000, 6_000] });
    expect(starts).toEqual([0, 4_000, 9_000, 15_000, 21_000]);
  });
});

describe("runJob: delay", () => {
  it("bounces an early event without hooks, then runs it as attempt 1, even with maxAttempts 1", async () => {
    const log: string[] = [];
    const handler = vi.fn();
    const actor = actorWith(handler, { maxAttempts: 1, middlewares: [recorder(log)] });
    const { env } = jobEnvironment(actor);
    const storedAt = Date.now();
    const headers = { [HEADER_DELAY_UNTIL]: String(storedAt + 300) };
    const early = fakeDelivery({ data: json({ id: 9 }), headers, storedAt });
    expect(await runJob(early, env)).toBe("bounced");
    expect(early.settlements).toEqual([{ kind: "nak", delayMs: 300 }]);
    expect(log).toEqual([]);
    expect(handler).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(300);
    const due = fakeDelivery({ data: json({ id: 9 }), headers, storedAt, deliveryCount: 2 });
    expect(await runJob(due, env)).toBe("acked");
    expect(handler).toHaveBeenCalledTimes(1);
    expect(log).toEqual(["start:1", "success:9"]);
  });
});

describe("runJob: delay headers from foreign publishers", () => {
  it.each(["1e300", "99999999999999999", "-5", "soon"])("ignores %j instead of bouncing the event forever", async (value) => {
    const handler = vi.fn();
    const { env } = jobEnvironment(actorWith(handler));
    const delivery = fakeDelivery({ data: json({ id: 1 }), headers: { [HEADER_DELAY_UNTIL]: value } });
    expect(await runJob(delivery, env)).toBe("acked");
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe("runJob: job timeout and shutdown", () => {
  it("aborts the handler's signal with JobTimeoutError at jobTimeoutMs and retries with backoff", async () => {
    let signal: AbortSignal | undefined;
    const failures: unknown[] = [];
    const actor = actorWith(
      (_payload, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined); // ignores its signal and never settles
      },
      { jobTimeoutMs: 200, retryDelaysMs: [1_000], middlewares: [{ onFailure: (ctx) => void failures.push(ctx.error) }] },
    );
    const { env } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 1 }) });
    const job = runJob(delivery, env);
    await vi.advanceTimersByTimeAsync(199);
    expect(delivery.settlements).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await job).toBe("retried");
    expect(failures[0]).toBeInstanceOf(JobTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(JobTimeoutError);
    expect(delivery.settlements).toEqual([{ kind: "nak", delayMs: 1_000 }]);
  });

  it("a signal read after the timeout is already aborted", async () => {
    let late: AbortSignal | undefined;
    const actor = actorWith(
      async (_payload, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        late = ctx.signal;
      },
      { jobTimeoutMs: 100 },
    );
    const { env } = jobEnvironment(actor);
    const job = runJob(fakeDelivery({ data: json({ id: 1 }) }), env);
    await vi.advanceTimersByTimeAsync(600);
    expect(await job).toBe("retried");
    expect(late?.aborted).toBe(true);
  });

  it("a synchronous handler is not interrupted (it blocks the process; walnats behaves the same)", async () => {
    const actor = actorWith(
      () => {
        vi.advanceTimersByTime(1_000); // the clock moves while the handler runs
      },
      { jobTimeoutMs: 100 },
    );
    const { env } = jobEnvironment(actor);
    expect(await runJob(fakeDelivery({ data: json({ id: 1 }) }), env)).toBe("acked");
  });

  it("on shutdown, aborts the handler with ShutdownError and hands the event back with no delay", async () => {
    let signal: AbortSignal | undefined;
    const failures: { error: unknown; willRetry: boolean }[] = [];
    const actor = actorWith(
      (_payload, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
      { middlewares: [{ onFailure: (ctx) => void failures.push({ error: ctx.error, willRetry: ctx.willRetry }) }] },
    );
    const { env } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 1 }) });
    const job = runJob(delivery, env);
    await vi.advanceTimersByTimeAsync(10);
    expect(env.running.size).toBe(1);
    for (const job of env.running) job.abort(new ShutdownError());
    expect(await job).toBe("released");
    expect(signal?.reason).toBeInstanceOf(ShutdownError);
    expect(delivery.settlements).toEqual([{ kind: "nak", delayMs: 0 }]);
    expect(failures).toEqual([{ error: expect.any(ShutdownError) as unknown, willRetry: true }]);
    expect(env.running.size).toBe(0);
  });
});

describe("runJob: pulse", () => {
  it("sends in-progress every ackWaitMs / 2 while the handler runs, and stops after", async () => {
    const actor = actorWith(() => new Promise((resolve) => setTimeout(resolve, 2_100)), { ackWaitMs: 1_000, jobTimeoutMs: 10_000 });
    const { env } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 1 }) });
    const t0 = Date.now();
    const job = runJob(delivery, env);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await job).toBe("acked");
    expect(delivery.pulses.map((t) => t - t0)).toEqual([500, 1_000, 1_500, 2_000]);
  });

  it("sends none with pulse: false", async () => {
    const actor = actorWith(() => new Promise((resolve) => setTimeout(resolve, 2_100)), { ackWaitMs: 1_000, pulse: false });
    const { env } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: json({ id: 1 }) });
    const job = runJob(delivery, env);
    await vi.advanceTimersByTimeAsync(3_000);
    await job;
    expect(delivery.pulses).toEqual([]);
  });
});

describe("runJob: undecodable and invalid payloads", () => {
  it("dead-letters an undecodable payload at once: on_failure with no message, no on_start, no handler", async () => {
    const log: string[] = [];
    const handler = vi.fn();
    const actor = actorWith(handler, { maxAttempts: 3, middlewares: [recorder(log)] });
    const { env, deadLetters } = jobEnvironment(actor);
    const delivery = fakeDelivery({ data: "not json{" });
    expect(await runJob(delivery, env)).toBe("dead-lettered");
    expect(handler).not.toHaveBeenCalled();
    expect(log).toEqual(["failure:undecoded:false", "dead:decode-error"]);
    expect(delivery.settlements).toEqual([{ kind: "term" }]);
    expect(deadLetters[0]?.reason).toBe("decode-error");
    expect(deadLetters[0]?.error).toMatch(/^SerializationError: cannot decode payload of event "order-placed"/);
    expect(deadLetters[0]?.attempts).toBe(0);
  });

  it("dead-letters a payload that fails its schema with reason schema-error", async () => {
    const event = Event("user-created", { schema: z.object({ name: z.string() }) });
    const actor = Actor("greet", event, vi.fn());
    const { env, deadLetters } = jobEnvironment(actor);
    expect(await runJob(fakeDelivery({ data: json({ name: 5 }) }), env)).toBe("dead-lettered");
    expect(deadLetters[0]?.reason).toBe("schema-error");
    expect(deadLetters[0]?.error).toMatch(/InvalidPayloadError: invalid payload for event "user-created": name: /);
  });

  it("dead-letters an event whose headers could not be read, without running it", async () => {
    const log: string[] = [];
    const handler = vi.fn();
    const actor = actorWith(handler, { middlewares: [recorder(log)] });
    const { env, deadLetters } = jobEnvironment(actor);
    const delivery = fakeDelivery({
      data: json({ id: 1 }),
      malformedHeaders: "InvalidArgumentError: ' ' is not a valid character in a header name",
    });
    expect(await runJob(delivery, env)).toBe("dead-lettered");
    expect(handler).not.toHaveBeenCalled();
    expect(log).toEqual(["failure:undecoded:false", "dead:decode-error"]);
    expect(delivery.settlements).toEqual([{ kind: "term" }]);
    expect(deadLetters[0]?.error).toBe(
      `SerializationError: cannot decode payload of event "order-placed": malformed headers: InvalidArgumentError: ' ' is not a valid character in a header name`,
    );
  });

  it("passes the decode error to on_failure", async () => {
    const errors: unknown[] = [];
    const actor = actorWith(vi.fn(), { middlewares: [{ onFailure: (ctx) => void errors.push(ctx.error) }] });
    const { env } = jobEnvironment(actor);
    await runJob(fakeDelivery({ data: "{" }), env);
    expect(errors[0]).toBeInstanceOf(SerializationError);
  });
});

describe("runJob: middlewares observe, never control", () => {
  it("a throwing sync on_start and a rejecting async on_failure change nothing about settling", async () => {
    let calls = 0;
    const actor = actorWith(
      () => {
        calls++;
        if (calls === 2) throw new Error("second fails");
      },
      {
        retryDelaysMs: [50],
        middlewares: [
          {
            onStart: () => {
              throw new Error("hook bug");
            },
            onFailure: async () => Promise.reject(new Error("async hook bug")),
          },
        ],
      },
    );
    const { env, logger } = jobEnvironment(actor);
    const ok = fakeDelivery({ data: json({ id: 1 }) });
    expect(await runJob(ok, env)).toBe("acked");
    expect(ok.settlements).toEqual([{ kind: "ack" }]);
    const failing = fakeDelivery({ data: json({ id: 2 }) });
    expect(await runJob(failing, env)).toBe("retried");
    expect(failing.settlements).toEqual([{ kind: "nak", delayMs: 50 }]);
    await env.tasks.wait();
    const errors = logger.lines.filter((l) => l.level === "error").map((l) => [l.message, l.fields.error]);
    expect(errors).toContainEqual(["middleware hook failed", "Error: hook bug"]);
    expect(errors).toContainEqual(["hook task failed", "Error: async hook bug"]);
  });

  it("async hooks run without delaying the job, and are tracked until they finish", async () => {
    const log: string[] = [];
    const actor = actorWith(() => void log.push("handler"), {
      middlewares: [
        {
          onStart: async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            log.push("slow start hook");
          },
        },
      ],
    });
    const { env } = jobEnvironment(actor);
    expect(await runJob(fakeDelivery({ data: json({ id: 1 }) }), env)).toBe("acked");
    expect(log).toEqual(["handler"]);
    expect(env.tasks.size).toBe(1);
    const waiting = env.tasks.wait();
    await vi.advanceTimersByTimeAsync(100);
    await waiting;
    expect(log).toEqual(["handler", "slow start hook"]);
  });
});
