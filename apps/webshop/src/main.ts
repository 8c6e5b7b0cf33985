// The parcel-sent story end to end: `NATS_URL=nats://127.0.0.1:4222 pnpm start`, or on a
// three-node cluster `NATS_URL=nats://a:4222,nats://b:4222,nats://c:4222 WEBSHOP_REPLICAS=3 pnpm start`.
// Registers the stream and both actors, ships three parcels, prints what the customers receive.
import { Events } from "@x/events";
import { parcelSent, parcelSentEvent, webshopActors, webshopSettings } from "./index.js";

const { servers, replicas } = webshopSettings(process.env);
const customers = ["ada", "grace", "linus"];
let delivered = 0;
const stop = new AbortController();
const deliver = (line: string): void => {
  console.log(line);
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
