import type { ConnectedEvents, EmitResult } from "@x/events";
import { PARCEL_SENT, type ParcelSent } from "./events.js";

/**
 * The shop's side: one event, whoever listens. It resolves once the server stored the event.
 * The uid makes a retried call (say, after a timeout) harmless: the stream keeps the first and
 * drops the copy, and the result says `duplicate: true`.
 */
export async function parcelSent(events: ConnectedEvents, parcel: ParcelSent): Promise<EmitResult> {
  return events.emit(PARCEL_SENT, parcel, { uid: `parcel-sent:${parcel.parcelId}`, sync: true });
}
