import { MAX_PRIORITY } from "@x/message";
import { describe, expect, it } from "vitest";
import { BAND_COUNT, bandOf, QueueSubjects } from "./subjects.js";
import { deliveryCount, streamSequence } from "./wire.js";

describe("priority bands", () => {
  it("gives 0 to 15 a band each, then one per power of two", () => {
    expect([0, 1, 5, 15].map(bandOf)).toEqual([0, 1, 5, 15]);
    expect([16, 31, 32, 63, 64].map(bandOf)).toEqual([16, 16, 17, 17, 18]);
    expect(bandOf(65_536)).toBe(bandOf(131_071));
    expect(bandOf(MAX_PRIORITY)).toBe(BAND_COUNT - 1);
  });

  it("never puts a more urgent priority in a later band", () => {
    let last = 0;
    for (let p = 0; p < 5_000; p++) {
      expect(bandOf(p)).toBeGreaterThanOrEqual(last);
      last = bandOf(p);
    }
  });
});

describe("QueueSubjects", () => {
  const subjects = new QueueSubjects("mail");

  it("reads a job's place from its subject", () => {
    expect(subjects.place(subjects.ready(3))).toEqual({ kind: "ready", band: 3 });
    expect(subjects.place(subjects.buried)).toEqual({ kind: "buried" });
    expect(subjects.place(subjects.paused)).toEqual({ kind: "paused" });
    const delayed = subjects.delayed(1_234.5);
    expect(subjects.place(delayed)).toEqual({ kind: "delayed", dueAt: 1_235 });
    expect(subjects.delayed(1)).not.toBe(subjects.delayed(1));
  });

  it("knows no subject of another queue or of an unknown kind", () => {
    expect(subjects.place("xq.mailer.r.1")).toBeUndefined();
    expect(subjects.place("xq.mail.r.99")).toBeUndefined();
    expect(subjects.place("xq.mail.x.1")).toBeUndefined();
    expect(subjects.place("xq.mail.r")).toBeUndefined();
  });
});

describe("ack subjects", () => {
  it("reads the delivery count and stream sequence of both forms", () => {
    expect(deliveryCount("$JS.ACK.XQ_t.band-5.3.42.40.1700000000000000000.0")).toBe(3);
    expect(streamSequence("$JS.ACK.XQ_t.band-5.3.42.40.1700000000000000000.0")).toBe(42);
    expect(deliveryCount("$JS.ACK.hub.ACC.XQ_t.band-5.2.9.8.1700000000000000000.0.tok")).toBe(2);
    expect(streamSequence("$JS.ACK.hub.ACC.XQ_t.band-5.2.9.8.1700000000000000000.0.tok")).toBe(9);
    expect(deliveryCount("nonsense")).toBeUndefined();
  });
});
