import { randomUUID } from "node:crypto";

/** A tube of its own for each test, so tests on one server never see each other's jobs. */
export function freshTube(prefix = "t"): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
