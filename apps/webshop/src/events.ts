import { Event } from "@x/events";

/** A parcel left the warehouse. Shared by the shop (publisher) and every service that reacts. */
export interface ParcelSent {
  readonly orderId: string;
  readonly parcelId: string;
  readonly carrier: string;
  readonly customer: { readonly name: string; readonly email: string; readonly phone: string };
}

/**
 * The `parcel-sent` event with the number of copies a NATS cluster keeps of its stream (1 on a
 * single server; 3 on a three-node cluster survives the loss of any one node). The shop registers
 * the stream with it; publishers and actors find the event by name, so `PARCEL_SENT` serves them
 * whatever the replica count.
 */
export function parcelSentEvent(options: { readonly replicas?: number } = {}): Event<ParcelSent> {
  return Event<ParcelSent>("parcel-sent", {
    description: "A parcel left the warehouse; customers are told by email and SMS.",
    replicas: options.replicas ?? 1,
  });
}

export const PARCEL_SENT = parcelSentEvent();
