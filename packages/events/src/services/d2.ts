import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { ServiceDescription } from "./services.js";

// Event storming colours, as walnats uses them.
const ACTOR_STYLE = '{stroke: "#2980b9"; fill: "#e9f2fb"}';
const SERVICE_STYLE = '{stroke: "#f39c12"; fill: "#fef4e6"}';
const EVENT_STYLE = '{stroke: "#e74c3c"; fill: "#fcebea"}';
const ARROW_STYLE = '{style: {stroke: "#2c3e50"}}';
const DIRECTIONS = ["left", "right", "down", "up"] as const;

/** Options of `toD2`. */
export interface D2Options {
  /** @default "right" */
  readonly direction?: (typeof DIRECTIONS)[number];
  /** Event storming colours; without them the d2 theme decides. @default true */
  readonly colors?: boolean;
}

/** d2 quotes keys that hold anything but word characters and dashes (a dot would nest). */
const key = (name: string): string => (/^[\w-]+$/.test(name) ? name : JSON.stringify(name));

/** walnats' `get_d2`: one line per service, event (an oval) and actor (inside its service). */
export function toD2(services: readonly ServiceDescription[], options: D2Options = {}): string {
  checkOptionKeys(options, ["direction", "colors"], "toD2");
  const direction = options.direction ?? "right";
  if (!DIRECTIONS.includes(direction)) throw new InvalidOptionError("direction", direction, `must be one of ${DIRECTIONS.join(", ")}`);
  const colors = options.colors ?? true;
  const lines = [`direction: ${direction}`];
  for (const service of services) {
    const s = key(service.name);
    if (colors) lines.push(`${s}.style: ${SERVICE_STYLE}`);
    for (const event of service.emits) {
      const e = key(event.name);
      lines.push(`${e}.shape: oval`);
      if (colors) lines.push(`${e}.style: ${EVENT_STYLE}`);
      lines.push(`${s} -> ${e}`);
    }
    for (const actor of service.actors) {
      const a = `${s}.${key(actor.name)}`;
      lines.push(colors ? `${key(actor.event.name)} -> ${a}: ${ARROW_STYLE}` : `${key(actor.event.name)} -> ${a}`);
      if (colors) lines.push(`${a}.style: ${ACTOR_STYLE}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
