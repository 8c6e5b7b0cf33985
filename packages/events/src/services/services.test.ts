import { createRequire } from "node:module";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Actor } from "../actor.js";
import { Event } from "../event.js";
import { Services } from "./services.js";

const require = createRequire(import.meta.url);
const specs = require("@asyncapi/specs") as { schemas: Record<string, object> };

const USER_CREATED = Event("user-created", {
  schema: z.object({ id: z.number().int(), email: z.string() }),
  description: "a user signed up",
});
const PARCEL_SENT = Event<{ parcel: string }>("Parcel.Sent", { names: "walnats" });
const noop = (): void => undefined;

const system = () =>
  Services()
    .add("users", { version: "1.2.0", emits: [USER_CREATED] })
    .add("notifications", {
      defines: [Actor("send-email", USER_CREATED, noop), Actor("send-sms", PARCEL_SENT, noop, { description: "texts the customer" })],
    })
    .add("warehouse", { emits: [PARCEL_SENT] });

describe("Services", () => {
  it("exports d2 as walnats' get_d2 does (event storming colours optional)", () => {
    expect(system().toD2({ colors: false })).toBe(
      [
        "direction: right",
        "user-created.shape: oval",
        "users -> user-created",
        "user-created -> notifications.send-email",
        '"Parcel.Sent" -> notifications.send-sms',
        '"Parcel.Sent".shape: oval',
        'warehouse -> "Parcel.Sent"',
        "",
      ].join("\n"),
    );
    const colored = system().toD2({ direction: "down" });
    expect(colored).toContain('users.style: {stroke: "#f39c12"; fill: "#fef4e6"}');
    expect(colored).toContain('notifications.send-email.style: {stroke: "#2980b9"; fill: "#e9f2fb"}');
    expect(colored.startsWith("direction: down\n")).toBe(true);
  });

  it("exports a Mermaid flowchart with one subgraph per service", () => {
    const mermaid = system().toMermaid();
    expect(mermaid.split("\n")[0]).toBe("flowchart LR");
    expect(mermaid).toContain('subgraph service_notifications["notifications"]');
    expect(mermaid).toContain("service_users --> event_user_2d_created");
    expect(mermaid).toContain("event_Parcel_2e_Sent --> service_notifications_actor_send_2d_sms");
  });

  it("exports an AsyncAPI 3.0 document that the published JSON schema accepts", () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
    // The spec bundles a copy of the draft-07 meta-schema, which Ajv already has: keep Ajv's.
    const { definitions, ...schema } = specs.schemas["3.0.0"] as { definitions: Record<string, unknown> };
    const bundled = Object.fromEntries(
      Object.entries(definitions).filter(([id]) => !id.startsWith("http://json-schema.org/draft-07/schema")),
    );
    const validate = ajv.compile({ ...schema, definitions: bundled });
    const document = system().toAsyncApi({ servers: { local: "nats://127.0.0.1:4222" } });
    expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The check can fail: AsyncAPI 2's "subscribe" is not an action of 3.0.
    const operations = document.operations as Record<string, object>;
    expect(
      validate({ ...document, operations: { ...operations, bad: { ...operations["users.emit.user-created"], action: "subscribe" } } }),
    ).toBe(false);
    expect(document).toMatchObject({
      asyncapi: "3.0.0",
      channels: { "user-created": { address: "user-created" }, "Parcel.Sent": { address: "Parcel.Sent" } },
      operations: {
        "users.emit.user-created": { action: "send" },
        "notifications.send-sms.Parcel.Sent": { action: "receive", summary: "texts the customer" },
      },
      components: {
        messages: {
          "user-created": {
            payload: { type: "object", properties: { id: { type: "integer" }, email: { type: "string" } } },
            description: "a user signed up",
          },
        },
      },
    });
    const one = system().toAsyncApi({ service: "users" });
    expect(validate(one)).toBe(true);
    expect(one).toMatchObject({ info: { title: "users", version: "1.2.0" } });
    expect(Object.keys(one.operations as object)).toEqual(["users.emit.user-created"]);
  });

  it("refuses a duplicate or unusable service name, and an unknown service", () => {
    expect(() => Services().add("a").add("a")).toThrow(/already a service/);
    expect(() => Services().add("a b")).toThrow(/letters, digits/);
    expect(() => system().toAsyncApi({ service: "nope" })).toThrow(/not a service/);
  });
});
