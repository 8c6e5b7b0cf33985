import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { ServiceDescription } from "./services.js";

const DIRECTIONS = ["LR", "RL", "TB", "BT"] as const;

/** Options of `toMermaid`. */
export interface MermaidOptions {
  /** @default "LR" */
  readonly direction?: (typeof DIRECTIONS)[number];
}

/** A Mermaid node id: names may hold characters Mermaid reads as syntax. */
const id = (prefix: string, name: string): string =>
  `${prefix}_${name.replaceAll(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
const label = (text: string): string => JSON.stringify(text).replaceAll("'", "#39;");

/** The services as a Mermaid flowchart: a subgraph per service with its actors, events as stadiums. */
export function toMermaid(services: readonly ServiceDescription[], options: MermaidOptions = {}): string {
  checkOptionKeys(options, ["direction"], "toMermaid");
  const direction = options.direction ?? "LR";
  if (!DIRECTIONS.includes(direction)) throw new InvalidOptionError("direction", direction, `must be one of ${DIRECTIONS.join(", ")}`);
  const lines = [`flowchart ${direction}`];
  const events = new Map<string, string>();
  const eventLines: string[] = [];
  const eventNode = (name: string): string => {
    let node = events.get(name);
    if (node === undefined) {
      node = id("event", name);
      events.set(name, node);
      eventLines.push(`  ${node}([${label(name)}])`);
    }
    return node;
  };
  const edges: string[] = [];
  for (const service of services) {
    const s = id("service", service.name);
    lines.push(`  subgraph ${s}[${label(service.name)}]`);
    for (const actor of service.actors) lines.push(`    ${id(`${s}_actor`, actor.name)}[${label(actor.name)}]`);
    lines.push("  end");
  }
  for (const service of services) {
    const s = id("service", service.name);
    for (const event of service.emits) edges.push(`  ${s} --> ${eventNode(event.name)}`);
    for (const actor of service.actors) edges.push(`  ${eventNode(actor.event.name)} --> ${id(`${s}_actor`, actor.name)}`);
  }
  return `${[...lines, ...eventLines, ...edges].join("\n")}\n`;
}
