/**
 * Retry arithmetic, kept pure so the rules are table-tested without a server.
 */

/**
 * The delay before the next attempt after attempt number `attempt` (1-based) failed:
 * `retryDelaysMs[attempt - 1]`, the last entry once the list runs out, 0 for an empty list.
 * walnats indexes with the delivery count instead, which starts at 1, so its first entry is never used.
 */
export function retryDelayFor(attempt: number, retryDelaysMs: readonly number[]): number {
  if (retryDelaysMs.length === 0) return 0;
  const index = Math.min(Math.max(attempt, 1) - 1, retryDelaysMs.length - 1);
  return retryDelaysMs[index] ?? 0;
}

/**
 * Which attempt a delivery is, counting only real handler runs. A delayed event that reached an
 * actor before its time was bounced back once with `nak(delay)`, and that bounce used up one
 * delivery: subtract it. A bounce happened when the event was stored before its delay ran out
 * (the usual case of a live actor). An event whose delay had already passed when it was stored
 * (or that nobody pulled until the delay was over) is never bounced.
 *
 * @param deliveryCount JetStream's delivery count (1 on the first delivery).
 * @param delayUntil the event's not-before time in epoch ms, if it has one.
 * @param storedAt when the stream stored the event, in epoch ms.
 */
export function attemptOf(deliveryCount: number, delayUntil: number | undefined, storedAt: number): number {
  const bounced = delayUntil !== undefined && delayUntil > storedAt && deliveryCount > 1;
  return Math.max(1, bounced ? deliveryCount - 1 : deliveryCount);
}
