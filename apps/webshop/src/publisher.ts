import type { ConnectedEvents } from "@x/events";
import { PARCEL_SENT, type ParcelSent } from "./events.js";

/**
 * The shop's side: one event, whoever listens. The uid makes a retried call (say, after a
 * timeout) harmless: the stream keeps the first and drops the copy.
 */
export async function parcelSent(events: ConnectedEvents, parcel: ParcelSent): Promise<void> {
  await events.emit(PARCEL_SENT, parcel, { uid: `parcel-sent:${parcel.parcelId}`, sync: true });
}
