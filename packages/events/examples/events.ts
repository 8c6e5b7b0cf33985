// The events module, shared by every service that emits or handles these events.
import { Event } from "@x/events";

export const COUNT = Event<number>("counts", { description: "a number counted up by the publisher" });
//                          type ⤴   name ⤴
