import { Event } from "@x/events";

/** A parcel left the warehouse. Shared by the shop (publisher) and every service that reacts. */
export interface ParcelSent {
  readonly orderId: string;
  readonly parcelId: string;
  readonly carrier: string;
  readonly customer: { readonly name: string; readonly email: string; readonly phone: string };
}

export const PARCEL_SENT = Event<ParcelSent>("parcel-sent", {
  description: "A parcel left the warehouse; customers are told by email and SMS.",
});
