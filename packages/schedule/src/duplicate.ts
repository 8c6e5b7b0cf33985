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
