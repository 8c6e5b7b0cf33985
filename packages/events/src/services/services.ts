import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { AnyActor } from "../actor.js";
import type { AnyEvent } from "../event.js";
import { type AsyncApiOptions, toAsyncApi } from "./asyncapi.js";
import { type D2Options, toD2 } from "./d2.js";
import { type MermaidOptions, toMermaid } from "./mermaid.js";

/** One service: the events it emits and the actors it runs (walnats' `Services.add`). */
export interface ServiceDescription {
  readonly name: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly emits: readonly AnyEvent[];
  readonly actors: readonly AnyActor[];
}

/** Options of `Services().add`. */
export interface ServiceOptions {
  /** @default "0.0.0" */
  readonly version?: string;
  /** What the service does. @default none */
  readonly description?: string;
  /** The events it emits: an `Events` registry or a list. @default none */
  readonly emits?: Iterable<AnyEvent>;
  /** The actors it runs: an `Actors` registry or a list. @default none */
  readonly defines?: Iterable<AnyActor>;
}

/** A description of a system's services, for diagrams and specs (walnats' `Services`). */
export interface Services {
  /** Adds a service; names are unique. Returns the same registry, for chaining. */
  add(name: string, options?: ServiceOptions): Services;
  /** The services, in the order they were added. */
  readonly services: readonly ServiceDescription[];
  /** A d2 diagram (walnats' `get_d2`): services, the events they emit, the actors that handle them. */
  toD2(options?: D2Options): string;
  /** The same diagram as a Mermaid flowchart (renders in GitHub Markdown). */
  toMermaid(options?: MermaidOptions): string;
  /** An AsyncAPI 3.0 document of every service, or of the one named by `service`. */
  toAsyncApi(options?: AsyncApiOptions): Record<string, unknown>;
}

const SERVICE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Creates an empty description of services; add them with `add`. */
export function Services(): Services {
  const services: ServiceDescription[] = [];
  const registry: Services = {
    add(name: string, options: ServiceOptions = {}): Services {
      checkOptionKeys(options, ["version", "description", "emits", "defines"], "Services.add");
      if (typeof name !== "string" || !SERVICE_NAME.test(name)) {
        throw new InvalidOptionError("name", name, "must be letters, digits, '.', '_' or '-'");
      }
      if (services.some((s) => s.name === name)) throw new InvalidOptionError("name", name, "is already a service");
      services.push(
        Object.freeze({
          name,
          version: options.version ?? "0.0.0",
          description: options.description,
          emits: Object.freeze([...(options.emits ?? [])]),
          actors: Object.freeze([...(options.defines ?? [])]),
        }),
      );
      return registry;
    },
    get services() {
      return [...services];
    },
    toD2: (options) => toD2(services, options),
    toMermaid: (options) => toMermaid(services, options),
    toAsyncApi: (options) => toAsyncApi(services, options),
  };
  return registry;
}
