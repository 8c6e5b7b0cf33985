import { Actor, Actors } from "@x/events";
import { PARCEL_SENT } from "./events.js";

/** Sends emails (SMTP, an API, ...). `key` lets the provider drop a repeated send. */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; key: string }): Promise<void>;
}

/** Sends text messages. */
export interface SmsGateway {
  send(message: { to: string; text: string; key: string }): Promise<void>;
}

/**
 * Two independent actors on one event: each gets every parcel-sent (fan-out), and all running
 * instances of one actor share its work. Adding a third never touches the shop.
 */
export function webshopActors(mailer: Mailer, sms: SmsGateway): Actors {
  const sendEmail = Actor(
    "send-email",
    PARCEL_SENT,
    async (parcel, ctx) => {
      await mailer.send({
        to: parcel.customer.email,
        subject: `Your order ${parcel.orderId} is on its way`,
        text: `Hi ${parcel.customer.name}, parcel ${parcel.parcelId} was handed to ${parcel.carrier}.`,
        key: `${ctx.uid ?? ctx.seq}:email`,
      });
    },
    { maxAttempts: 5, retryDelaysMs: [1_000, 5_000, 30_000] },
  );

  const sendSms = Actor(
    "send-sms",
    PARCEL_SENT,
    async (parcel, ctx) => {
      await sms.send({
        to: parcel.customer.phone,
        text: `Parcel ${parcel.parcelId} is on its way with ${parcel.carrier}.`,
        key: `${ctx.uid ?? ctx.seq}:sms`,
      });
    },
    { maxAttempts: 3, jobTimeoutMs: 10_000 },
  );

  return Actors(sendEmail, sendSms);
}
