import type { NatsConnection } from "@nats-io/transport-node";
import { Actor, Actors, Event, Events } from "@x/events";
import { createHeart } from "@x/heartbeat";
import type { QueueAdapter } from "@x/message";

/** The webshop's event (apps/webshop/src/events.ts), repeated here: apps never import each other. */
interface ParcelSent {
  readonly orderId: string;
  readonly parcelId: string;
  readonly carrier: string;
  readonly customer: { readonly name: string; readonly email: string; readonly phone: string };
}
const PARCEL_SENT = Event<ParcelSent>("parcel-sent", { description: "A parcel left the warehouse; customers are told by email and SMS." });

/** Running demo load; `stop()` ends every loop and sends each heart's `stop`. */
export interface DemoLoad {
  stop(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

const JOB_TYPES = ["send_email", "resize_image", "charge_card"] as const;

/**
 * Something to look at: a producer whose rate rises and falls and a worker that fails some jobs
 * (on the file queue), six processes beating on NATS (one stops now and then, one degrades), the
 * webshop's parcel-sent events with an SMS actor that dead-letters some, and probe messages.
 */
export async function startDemoLoad(queue: QueueAdapter, nc: NatsConnection): Promise<DemoLoad> {
  const stop = new AbortController();
  const { signal } = stop;
  const loops: Promise<void>[] = [];

  // Jobs: the producer's rate follows a slow wave, so the depth plot moves.
  loops.push(
    (async () => {
      for (let tick = 0; !signal.aborted; tick++) {
        const count = Math.round(2 + 2 * Math.sin(tick / 15));
        for (let i = 0; i < count; i++) {
          const type = JOB_TYPES[(tick + i) % JOB_TYPES.length] ?? "send_email";
          await queue.enqueue({ requestType: type, payload: { tick, to: `customer${(tick * 7 + i) % 100}@example.com` } });
        }
        await sleep(400, signal);
      }
    })(),
  );
  loops.push(
    (async () => {
      for (let n = 0; !signal.aborted; n++) {
        const job = await queue.reserve({ timeoutMs: 500, signal }).catch(() => null);
        if (job === null) continue;
        await sleep(80, signal);
        if (job.message.header.requestType === "charge_card" && n % 4 === 0) await job.bury("card declined by the bank");
        else if (n % 9 === 0) await job.release({ delayMs: 2_000 });
        else await job.ack();
      }
    })(),
  );

  // Heartbeats: worker 5 goes silent for 15 s every 45 s, worker 6 is degraded half of the time.
  const hearts = Array.from({ length: 6 }, (_, i) =>
    createHeart({
      process: `jobs.worker.${i + 1}`,
      subjectAsString: true,
      publisher: {
        publish: ({ subject, payload }) => {
          nc.publish(subject, payload);
        },
      },
    }),
  );
  for (const heart of hearts) heart.start({ warmupMs: 5_000 });
  loops.push(
    (async () => {
      for (let second = 0; !signal.aborted; second++) {
        hearts.forEach((heart, i) => {
          if (i === 4 && second % 45 >= 30) return;
          if (i === 5 && second % 60 >= 30) heart.degraded({ periodMs: 2_000 });
          else heart.beat({ periodMs: 2_000 });
        });
        await sleep(1_000, signal);
      }
    })(),
  );

  // The webshop's events: every SMS to a number ending in 3 fails, twice, and is dead-lettered.
  const sendEmail = Actor("send-email", PARCEL_SENT, async () => undefined);
  const sendSms = Actor(
    "send-sms",
    PARCEL_SENT,
    async (parcel) => {
      if (parcel.customer.phone.endsWith("3")) throw new Error(`SMS gateway refused ${parcel.customer.phone}`);
    },
    { maxAttempts: 2, retryDelaysMs: [500] },
  );
  const events = await Events(PARCEL_SENT).connect(nc);
  const actors = await Actors(sendEmail, sendSms).connect(nc);
  await events.register();
  await actors.register();
  const listening = actors.listen({ signal }).catch(() => undefined);
  loops.push(
    (async () => {
      for (let n = 1; !signal.aborted; n++) {
        await events.emit(PARCEL_SENT, {
          orderId: `o-${n}`,
          parcelId: `p-${n}`,
          carrier: n % 2 === 0 ? "DHL" : "UPS",
          customer: { name: `Customer ${n}`, email: `customer${n}@example.com`, phone: `+49 170 000${n % 10}` },
        });
        await sleep(3_000, signal);
      }
    })(),
  );

  // Probe messages, as the probe app's publisherOutput writes them (subject probe.<aspect>).
  loops.push(
    (async () => {
      for (let tick = 0; !signal.aborted; tick++) {
        const time = Math.floor(Date.now() / 1000);
        const latency = Math.round(40 + 30 * Math.sin(tick / 3));
        const used = 70 + (tick % 25);
        const messages = [
          {
            v: 3,
            time,
            location: { host: "web1" },
            event: { name: "web", state: { value: "ok", severity: "expected" }, vset: { latency: { value: latency, unit: "ms" } } },
          },
          {
            v: 3,
            time,
            location: { host: "db1", mount: "/var" },
            event: {
              name: "disk",
              state:
                used >= 90
                  ? { value: "critical", severity: "error" }
                  : used >= 80
                    ? { value: "warning", severity: "warning" }
                    : { value: "ok", severity: "expected" },
              vset: { used: { value: used, unit: "%" } },
            },
          },
        ];
        for (const message of messages) nc.publish(`probe.${message.event.name}`, JSON.stringify(message));
        await sleep(2_000, signal);
      }
    })(),
  );

  return {
    stop: async () => {
      stop.abort();
      await Promise.allSettled(loops);
      await listening;
      for (const heart of hearts) heart.stop();
      await actors.close();
      await events.close();
    },
  };
}
