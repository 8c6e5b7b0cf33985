import type { ConnectionEvents } from "./protocol/connection.js";

/** The events a beanstalk queue emits, by name: `queue.on(name, listener)`. */
export interface BeanstalkQueueEvents extends ConnectionEvents {
  /**
   * A job was buried. beanstalkd cannot store a reason, so this is where it is reported: the
   * one given to `Reservation.bury(reason)`, or, with `foreign: true`, why a job put by another
   * producer could not be read as a message.
   */
  readonly buried: { readonly id: string; readonly reason: string; readonly foreign: boolean };
}

/** Every event name, to reject a misspelt one (plain JavaScript callers get no type check). */
export const EVENT_NAMES: ReadonlySet<string> = new Set<keyof BeanstalkQueueEvents>(["buried", "connect", "disconnect", "reconnecting"]);
