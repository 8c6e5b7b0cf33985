/**
 * What the id lock and the clean-up of left-overs both need to know about an id lock file: its
 * name and when it counts as stale. A module of its own, so that neither imports the other.
 */

/** An id lock older than this is taken over even when its holder cannot be judged (another host, a reused pid). */
export const STALE_ID_LOCK_MS = 60_000;

const SUFFIX = ".idlock";

/** The lock file of an id, in `tmp/`. */
export function idLockName(id: string): string {
  return `${id}${SUFFIX}`;
}

/** Whether a name in `tmp/` is an id lock. */
export function isIdLockName(name: string): boolean {
  return name.endsWith(SUFFIX);
}
