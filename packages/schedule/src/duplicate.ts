import { InvalidArgumentError, type QueueAdapter } from "@x/message";

/**
 * Whether `error`, thrown by `queue.enqueue({ id })`, is the refusal of a duplicate id. The
 * contract promises an `InvalidArgumentError`; where it does not name the argument `id`, the job
 * being there says it was the id (a bad payload would not have stored one).
 */
export async function isDuplicateId(queue: QueueAdapter, id: string, error: unknown): Promise<boolean> {
  if (!(error instanceof InvalidArgumentError)) return false;
  if (error.argument === "id") return true;
  return (await queue.peek(id).catch(() => null)) !== null;
}

/**
 * Whether `error`, thrown by `queue.enqueue()`, says that the same call may succeed a moment later
 * (`transient: true`): the file queue's `IdLockedError`, while another enqueue of the same id
 * holds the id's lock. Read as a property, so that no adapter has to be imported to know it.
 */
export function isTransient(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { transient?: unknown }).transient === true;
}
