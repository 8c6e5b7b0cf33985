import { Events } from "@x/events";
import { webshopActors } from "./actors.js";
import { parcelSentEvent } from "./events.js";
import { parcelSent } from "./publisher.js";
import { webshopSettings } from "./settings.js";

/**
 * The parcel-sent story end to end, on the servers `NATS_URL` names: registers the stream and both
 * actors, ships three parcels, prints what the customers receive, and returns once each got an
 * email and an SMS.
 */
export async function runStory(env: NodeJS.ProcessEnv, print: (line: string) => void = console.log): Promise<void> {
  const { servers, replicas } = webshopSettings(env);
  const customers = ["ada", "grace", "linus"];
  let delivered = 0;
  const stop = new AbortController();
  const deliver = (line: string): void => {
    print(line);
    if (++delivered === customers.length * 2) stop.abort(); // everyone got an email and an SMS
  };

  const mailer = {
    send: async (m: { to: string; subject: string }) => {
      deliver(`email to ${m.to}: ${m.subject}`);
    },
  };
  const sms = {
    send: async (m: { to: string; text: string }) => {
      deliver(`sms to ${m.to}: ${m.text}`);
    },
  };
  await using actors = await webshopActors(mailer, sms).connect({ servers: [...servers], deadLetters: { replicas } });
  await using events = await Events(parcelSentEvent({ replicas })).connect({ servers: [...servers] });
  await events.register(); // the stream
  await actors.register(); // the consumers, before the first event (interest retention)

  const listening = actors.listen({ signal: stop.signal });
  for (const [i, name] of customers.entries()) {
    await parcelSent(events, {
      orderId: `o-${i + 1}`,
      parcelId: `p-${i + 1}`,
      carrier: "DHL",
      customer: { name, email: `${name}@example.com`, phone: `+4400000000${i}` },
    });
  }
  await listening;
}
