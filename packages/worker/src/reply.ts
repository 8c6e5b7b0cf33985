import type { JsonValue, Message, MessageInit } from "@x/message";

/**
 * The round trip of `producer.request()`: the job carries the id its reply must have and until
 * when anyone waits for it; the worker enqueues the reply under that id on its `replyQueue`, and
 * the producer looks for that id. A custom id, not a reserve, so several producers can share one
 * reply queue without taking each other's replies.
 */

/** Header key with the id the reply gets. */
export const REPLY_TO_HEADER = "reply_to";
/** Header key with the calendar time (epoch ms) after which nobody waits for the reply. */
export const REPLY_BY_HEADER = "reply_by";
/** The `request_type` of reply messages. */
export const REPLY_REQUEST_TYPE = "x.reply";

/** The payload of a reply message. */
export type ReplyPayload =
  | { readonly ok: true; readonly result?: JsonValue }
  | { readonly ok: false; readonly reason: "buried" | "expired" | "not-encodable"; readonly detail: string };

/** Where a job's reply goes, or `undefined` when nobody asked for one. */
export interface ReplyTarget {
  readonly replyTo: string;
  readonly replyBy: number | undefined;
}

export function replyTarget(message: Message): ReplyTarget | undefined {
  const replyTo = message.header[REPLY_TO_HEADER];
  if (typeof replyTo !== "string") return undefined;
  const replyBy = message.header[REPLY_BY_HEADER];
  return { replyTo, replyBy: typeof replyBy === "number" ? replyBy : undefined };
}

export function replyMessage(target: ReplyTarget, payload: ReplyPayload): MessageInit<ReplyPayload> {
  return {
    id: target.replyTo,
    requestType: REPLY_REQUEST_TYPE,
    payload,
    ...(target.replyBy === undefined ? {} : { expiration: new Date(target.replyBy) }),
  };
}
