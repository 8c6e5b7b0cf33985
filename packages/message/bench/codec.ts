/**
 * encode+decode of a typical message with a 200-byte payload, vs JSON.stringify + JSON.parse
 * of the same object (the least any JSON wire format has to do). Target: ratio >= 0.5.
 */
import { compare, machine, measureRate } from "@x/bench";
import { createMessage, decode, encode } from "@x/message";

const message = createMessage({
  requestType: "send_email",
  priority: 10,
  delay: new Date(),
  expiration: new Date(Date.now() + 3_600_000),
  header: { source: "shop" },
  payload: {
    to: "customer@example.com",
    subject: "Your parcel is on its way",
    text: "Hello! Your order 12345 left our warehouse today and should arrive within 2 days. Thanks for shopping with us, see you soon!",
  },
});
const payloadBytes = Buffer.byteLength(JSON.stringify(message.body.payload));
const durationMs = Number(process.argv[2] ?? 2000);

console.log(`# @x/message codec (${machine()})`);
console.log(`payload ${payloadBytes} bytes, encoded message ${encode(message).byteLength} bytes`);

let sink = 0;
const ours = await measureRate(
  () => {
    sink += decode(encode(message)).header.priority;
  },
  { durationMs },
);
const baseline = await measureRate(
  () => {
    sink += (JSON.parse(Buffer.from(JSON.stringify(message), "utf8").toString("utf8")) as { header: { priority: number } }).header.priority;
  },
  { durationMs },
);

compare({
  name: "encode+decode, 200-byte payload",
  unit: "msg/s",
  ours: ours.rate,
  baseline: baseline.rate,
  baselineName: "JSON.stringify+parse",
  target: ">= 0.5",
});
if (sink === 0) console.log("(unreachable: keeps the work from being optimised away)");
