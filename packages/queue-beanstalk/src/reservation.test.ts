import { createMessage, LeaseLostError } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeaseWatch } from "./lease-watch.js";
import type { Connection } from "./protocol/connection.js";
import type { Session } from "./protocol/session.js";
import { BeanstalkReservation, LEASE_GRACE_MS, type ReservationHost } from "./reservation.js";

/** The four commands a reservation sends, recorded; the lease logic is what is under test here. */
function fakeSession() {
  const sent: string[] = [];
  const record = async (line: string): Promise<undefined> => {
    sent.push(line);
    return undefined;
  };
  const session = {
    isOpen: true,
    delete: (id: number) => record(`delete ${id}`),
    release: (id: number, pri: number, delay: number) => record(`release ${id} ${pri} ${delay}`),
    bury: (id: number, pri: number) => record(`bury ${id} ${pri}`),
    touch: (id: number) => record(`touch ${id}`),
  };
  return { sent, session: session as unknown as Session };
}

function host(): { host: ReservationHost; finished: number[]; leases: LeaseWatch } {
  const finished: number[] = [];
  const leases = new LeaseWatch();
  return {
    finished,
    leases,
    host: {
      queueName: "beanstalk:t",
      leases,
      isClosed: () => false,
      finished: (reservation) => void finished.push(reservation.jobId),
      buried: () => undefined,
    },
  };
}

/** The reservation's connection only matters to the queue's bookkeeping. */
const owner = {} as unknown as Connection;

const message = createMessage({ payload: "x", priority: 9 });

describe("BeanstalkReservation lease enforcement (beanstalkd 1.12 does not time out jobs of a quiet connection)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives the job back after its TTR plus the grace, once, and the holder then loses the lease", async () => {
    const { sent, session } = fakeSession();
    const h = host();
    const job = new BeanstalkReservation(h.host, owner, session, 7, message, 2);
    await vi.advanceTimersByTimeAsync(2_000 + LEASE_GRACE_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(["release 7 9 0"]);
    expect(h.finished).toEqual([7]);
    await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toEqual(["release 7 9 0"]);
  });

  it("touch restarts the clock", async () => {
    const { sent, session } = fakeSession();
    const job = new BeanstalkReservation(host().host, owner, session, 7, message, 2);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(2_500);
      await job.touch();
    }
    expect(sent).toEqual(["touch 7", "touch 7", "touch 7", "touch 7", "touch 7"]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent.at(-1)).toBe("release 7 9 0");
  });

  it("a settled reservation never gives anything back", async () => {
    const { sent, session } = fakeSession();
    const h = host();
    const job = new BeanstalkReservation(h.host, owner, session, 7, message, 1);
    await job.ack();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toEqual(["delete 7"]);
    expect(h.finished).toEqual([7]);
  });

  it("one timer serves every reservation of a queue, and each is given back at its own deadline", async () => {
    const { sent, session } = fakeSession();
    const h = host();
    const before = vi.getTimerCount();
    const jobs = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => new BeanstalkReservation(h.host, owner, session, id, message, 2));
    expect(vi.getTimerCount() - before).toBe(1);
    expect(h.leases.size).toBe(8);
    await vi.advanceTimersByTimeAsync(1_000);
    // Reserved a second later: its deadline is a second later.
    const late = new BeanstalkReservation(h.host, owner, session, 9, message, 2);
    expect(vi.getTimerCount() - before).toBe(1);
    await jobs[0]?.ack();
    await jobs[1]?.touch();
    await vi.advanceTimersByTimeAsync(2_000 + LEASE_GRACE_MS - 1_000);
    // Due now: 3..8; 1 was settled, 2 was touched at 1 s, 9 was reserved at 1 s.
    expect(sent.filter((line) => line.startsWith("release")).sort()).toEqual([3, 4, 5, 6, 7, 8].map((id) => `release ${id} 9 0`));
    await vi.advanceTimersByTimeAsync(999);
    expect(sent.filter((line) => line.startsWith("release"))).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.slice(-2).sort()).toEqual(["release 2 9 0", "release 9 9 0"]);
    await expect(late.ack()).rejects.toBeInstanceOf(LeaseLostError);
    // Nothing left to watch: no timer is armed again.
    expect(h.leases.size).toBe(0);
    expect(vi.getTimerCount()).toBe(before);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sent.filter((line) => line.startsWith("release"))).toHaveLength(8);
  });
});
