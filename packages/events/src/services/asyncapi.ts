import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { AnyEvent } from "../event.js";
import type { ServiceDescription } from "./services.js";

/** Options of `toAsyncApi`. */
export interface AsyncApiOptions {
  /** Only this service (walnats' `get_async_apis`, one at a time); all of them when absent. @default all */
  readonly service?: string;
  /** The document's title. @default the service's name, or "application" */
  readonly title?: string;
  /** The document's version. @default the service's version, or "0.0.0" */
  readonly version?: string;
  /** NATS servers to list, by name: `{ production: "nats://nats.example.com:4222" }`. @default none */
  readonly servers?: Readonly<Record<string, string>>;
}

/** AsyncAPI keys allow only `[\w.-]`. */
const keyOf = (name: string): string => name.replaceAll(/[^\w.-]/g, "_");

/**
 * The event's payload as JSON Schema, when its Standard Schema can say (zod, valibot and others
 * that implement Standard JSON Schema); otherwise any value.
 */
function payloadSchema(event: AnyEvent): Record<string, unknown> {
  const standard = event.schema?.["~standard"] as
    | { readonly jsonSchema?: { readonly input?: (options: { readonly target: string }) => Record<string, unknown> } }
    | undefined;
  const input = standard?.jsonSchema?.input;
  if (input === undefined) return {};
  try {
    const { $schema: _dialect, ...schema } = input({ target: "draft-07" });
    return schema;
  } catch {
    return {}; // a schema JSON Schema cannot express (a transform, a custom check)
  }
}

/**
 * An AsyncAPI 3.0 document: a channel per event (its NATS subject), a message per event with its
 * payload schema, a `send` operation per service and event it emits, a `receive` operation per
 * actor. walnats writes AsyncAPI 2.5 with `subscribe` operations and empty object schemas.
 */
export function toAsyncApi(all: readonly ServiceDescription[], options: AsyncApiOptions = {}): Record<string, unknown> {
  checkOptionKeys(options, ["service", "title", "version", "servers"], "toAsyncApi");
  const services = options.service === undefined ? all : all.filter((s) => s.name === options.service);
  if (options.service !== undefined && services.length === 0) throw new InvalidOptionError("service", options.service, "is not a service");
  const only = options.service === undefined ? undefined : services[0];
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const addEvent = (event: AnyEvent): string => {
    const key = keyOf(event.name);
    if (channels[key] !== undefined) return key;
    messages[key] = {
      name: event.name,
      contentType: event.serializer.name === "json" ? "application/json" : "application/octet-stream",
      payload: payloadSchema(event),
      ...(event.description === undefined ? {} : { description: event.description }),
    };
    channels[key] = {
      address: event.subject,
      messages: { [key]: { $ref: `#/components/messages/${key}` } },
      ...(event.description === undefined ? {} : { description: event.description }),
    };
    return key;
  };
  const operation = (action: "send" | "receive", channel: string, summary: string) => ({
    action,
    channel: { $ref: `#/channels/${channel}` },
    messages: [{ $ref: `#/channels/${channel}/messages/${channel}` }],
    summary,
  });
  for (const service of services) {
    for (const event of service.emits) {
      const channel = addEvent(event);
      operations[keyOf(`${service.name}.emit.${event.name}`)] = operation("send", channel, `${service.name} emits ${event.name}`);
    }
    for (const actor of service.actors) {
      const channel = addEvent(actor.event);
      operations[keyOf(`${service.name}.${actor.name}.${actor.event.name}`)] = operation(
        "receive",
        channel,
        actor.description ?? `${service.name} handles ${actor.event.name} with actor ${actor.name}`,
      );
    }
  }
  const servers = Object.fromEntries(
    Object.entries(options.servers ?? {}).map(([name, url]) => {
      const parsed = new URL(url);
      return [keyOf(name), { host: parsed.host, protocol: "nats" }];
    }),
  );
  return {
    asyncapi: "3.0.0",
    info: {
      title: options.title ?? only?.name ?? "application",
      version: options.version ?? only?.version ?? "0.0.0",
      ...(only?.description === undefined ? {} : { description: only.description }),
    },
    ...(Object.keys(servers).length === 0 ? {} : { servers }),
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages },
  };
}
