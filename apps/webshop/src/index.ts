export type { Mailer, SmsGateway } from "./actors.js";
export { webshopActors } from "./actors.js";
export type { ParcelSent } from "./events.js";
export { PARCEL_SENT, parcelSentEvent } from "./events.js";
export { parcelSent } from "./publisher.js";
export type { WebshopSettings } from "./settings.js";
export { webshopSettings } from "./settings.js";
export { runStory } from "./story.js";
