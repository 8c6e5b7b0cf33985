import { randomBytes } from "node:crypto";

/** A queue name no other test uses, so every test starts with an empty stream. */
export function freshQueueName(prefix = "t"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}
