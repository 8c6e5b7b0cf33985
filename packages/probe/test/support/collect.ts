import type { Checks } from "../../src/checks.js";
import type { ProbeMessage } from "../../src/message/types.js";

/** Calls `runNext()` until `done(messages so far)` holds; no time limit but the test's own. */
export async function collectUntil(checks: Checks, done: (messages: readonly ProbeMessage[]) => boolean): Promise<ProbeMessage[]> {
  const messages: ProbeMessage[] = [];
  while (!done(messages)) messages.push(...(await checks.runNext()));
  return messages;
}

/** Polls `condition` every `everyMs` until it holds; no time limit but the test's own. */
export async function waitFor(condition: () => boolean | Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

/** Whether a process id is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
