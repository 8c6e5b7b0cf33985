import type { TimeSource } from "@x/core";
import { createMessage, InvalidArgumentError, LeaseLostError, QueueClosedError } from "@x/message";
import { describe, expect, it } from "vitest";
import { type Destination, NatsReservation, type ReservationHost } from "./reservation.js";

/** A clock the test moves by hand: the lease logic is what is under test here. */
function fakeTime(start = 1_000): TimeSource & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    wallNow: () => 1_700_000_000_000 + now,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
    advance(ms: number) {
      now += ms;
    },
  };
}

function fakeHost(time: TimeSource) {
  const acks: string[] = [];
  const stored: { attempts: number; priority: number; destination: Destination }[] = [];
  const state = { closed: false, stored: true, settled: 0 };
  const progress: string[] = [];
  const host: ReservationHost = {
    time,
    checkOpen: () => {
      if (state.closed) throw new QueueClosedError("t");
    },
    acknowledge: async (_subject, body) => {
      acks.push(body);
    },
    deleted: async () => !state.stored,
    store: async (message, destination) => {
      stored.push({ attempts: message.header.attempts, priority: message.header.priority, destination });
    },
    saveProgress: async (_sequence, text) => {
      progress.push(text);
    },
    clearProgress: async () => {
      progress.push("cleared");
    },
    settled: () => {
      state.settled++;
    },
  };
  return { host, acks, stored, state, progress };
}

function reservationWith(host: ReservationHost, time: TimeSource, attempts = 0): NatsReservation {
  return new NatsReservation(host, {
    message: createMessage({ id: "j1", payload: 1, priority: 5, attempts }),
    leaseMs: 1_000,
    sequence: 7,
    ackSubject: "$JS.ACK.XQ_t.band-5.1.7.7.0.0",
    pulledAt: time.now(),
    enqueuedAt: 0,
  });
}

describe("NatsReservation", () => {
  it("acks while the lease holds, and refuses a second settle", async () => {
    const time = fakeTime();
    const { host, acks, state } = fakeHost(time);
    const job = reservationWith(host, time);
    time.advance(999);
    await job.ack();
    expect(acks).toEqual(["+ACK"]);
    expect(state.settled).toBe(1);
    await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(job.touch()).rejects.toBeInstanceOf(LeaseLostError);
    expect(acks).toEqual(["+ACK"]);
  });

  it("a lease that ran out on our clock is lost without asking JetStream", async () => {
    const time = fakeTime();
    const { host, acks } = fakeHost(time);
    const job = reservationWith(host, time);
    time.advance(1_000);
    expect(job.held).toBe(false);
    await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(job.release()).rejects.toBeInstanceOf(LeaseLostError);
    expect(acks).toEqual([]);
  });

  it("touch extends the lease from the moment it was sent", async () => {
    const time = fakeTime();
    const { host, acks } = fakeHost(time);
    const job = reservationWith(host, time);
    time.advance(800);
    await job.touch();
    time.advance(900);
    expect(job.held).toBe(true);
    await job.ack();
    expect(acks).toEqual(["+WPI", "+ACK"]);
  });

  it("a job deleted meanwhile makes ack reject with LeaseLostError", async () => {
    const time = fakeTime();
    const { host, state } = fakeHost(time);
    const job = reservationWith(host, time);
    state.stored = false;
    await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("a deleted job is never stored again: bury and a delayed release store no copy and reject", async () => {
    const time = fakeTime();
    const { host, state, stored, acks } = fakeHost(time);
    const buried = reservationWith(host, time);
    const released = reservationWith(host, time);
    state.stored = false;
    await expect(buried.bury("bad")).rejects.toBeInstanceOf(LeaseLostError);
    await expect(released.release({ delayMs: 1_000 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(stored).toEqual([]);
    expect(acks).toEqual([]);
  });

  it("touch of a deleted job rejects and does not extend the lease", async () => {
    const time = fakeTime();
    const { host, state } = fakeHost(time);
    const job = reservationWith(host, time);
    const before = job.leaseEndsAt;
    time.advance(100);
    state.stored = false;
    await expect(job.touch()).rejects.toBeInstanceOf(LeaseLostError);
    expect(job.leaseEndsAt).toBe(before);
    expect(job.held).toBe(false);
  });

  it("release without a change is a nak; with a delay or priority a new copy with attempts + 1", async () => {
    const time = fakeTime();
    const { host, acks, stored } = fakeHost(time);
    await reservationWith(host, time).release();
    expect(acks).toEqual(["-NAK"]);
    await reservationWith(host, time, 2).release({ delayMs: 500 });
    await reservationWith(host, time).release({ priority: 9 });
    expect(stored).toEqual([
      { attempts: 3, priority: 5, destination: { kind: "delayed", dueAt: time.wallNow() + 500 } },
      { attempts: 1, priority: 9, destination: { kind: "ready" } },
    ]);
    expect(acks).toEqual(["-NAK", "+ACK", "+ACK"]);
  });

  it("bury stores a copy with the reason and time, then acknowledges the held one", async () => {
    const time = fakeTime();
    const { host, acks, stored } = fakeHost(time);
    await reservationWith(host, time).bury("card declined");
    expect(stored).toEqual([{ attempts: 1, priority: 5, destination: { kind: "buried", reason: "card declined", at: time.wallNow() } }]);
    expect(acks).toEqual(["+ACK"]);
  });

  it("checks release's arguments before settling", async () => {
    const time = fakeTime();
    const { host, acks } = fakeHost(time);
    const job = reservationWith(host, time);
    await expect(job.release({ delayMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(job.release({ priority: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await job.ack();
    expect(acks).toEqual(["+ACK"]);
  });

  it("progress stores the value, extends the lease, and is dropped when the job is settled", async () => {
    const time = fakeTime();
    const { host, acks, progress } = fakeHost(time);
    const job = reservationWith(host, time);
    time.advance(900);
    await job.progress({ done: 1 });
    time.advance(900);
    expect(job.held).toBe(true);
    await job.ack();
    expect(progress).toEqual(['{"done":1}', "cleared"]);
    expect(acks).toEqual(["+WPI", "+ACK"]);
    await expect(job.progress(2)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(reservationWith(host, time).progress(Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("after the queue closed every method rejects with QueueClosedError", async () => {
    const time = fakeTime();
    const { host, state } = fakeHost(time);
    const job = reservationWith(host, time);
    state.closed = true;
    await expect(job.ack()).rejects.toBeInstanceOf(QueueClosedError);
    await expect(job.touch()).rejects.toBeInstanceOf(QueueClosedError);
  });
});
