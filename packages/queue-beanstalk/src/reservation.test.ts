import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMessage, LeaseLostError } from "@x/message";
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

function host(): { host: ReservationHost; finished: number[] } {
  const finished: number[] = [];
  return {
    finished,
    host: { queueName: "beanstalk:t", isClosed: () => false, finished: (id) => void finished.push(id), buried: () => undefined },
  };
}

const message = createMessage({ payload: "x", priority: 9 });

describe("BeanstalkReservation lease enforcement (beanstalkd 1.12 does not always time jobs out)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives the job back after its TTR plus the grace, once, and the holder then loses the lease", async () => {
    const { sent, session } = fakeSession();
    const h = host();
    const job = new BeanstalkReservation(h.host, session, 7, message, 2);
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
    const job = new BeanstalkReservation(host().host, session, 7, message, 2);
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
    const job = new BeanstalkReservation(h.host, session, 7, message, 1);
    await job.ack();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toEqual(["delete 7"]);
    expect(h.finished).toEqual([7]);
  });
});
