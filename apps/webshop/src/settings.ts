/** Where the webshop runs: read from the environment by `src/main.ts`. */
export interface WebshopSettings {
  /** Every server of the NATS deployment: one, or each node of a cluster. */
  readonly servers: readonly string[];
  /** Copies of each stream (the event's and the dead letters'): 1 on one server, 3 on a cluster. */
  readonly replicas: number;
}

/**
 * Reads `NATS_URL` (one URL, or several separated by commas: the nodes of a cluster, so the
 * clients move to another node when theirs dies) and `WEBSHOP_REPLICAS` (1 to 5, default 1).
 * A bad value fails here, naming the variable, rather than deep inside the NATS client.
 */
export function webshopSettings(env: NodeJS.ProcessEnv): WebshopSettings {
  const servers = (env.NATS_URL ?? "nats://127.0.0.1:4222")
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "");
  if (servers.length === 0) throw new Error("NATS_URL names no server: give one URL, or several separated by commas");
  const raw = env.WEBSHOP_REPLICAS ?? "1";
  const replicas = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || replicas < 1 || replicas > 5) {
    throw new Error(`WEBSHOP_REPLICAS must be a whole number from 1 to 5 (3 on a three-node cluster), got "${raw}"`);
  }
  return { servers, replicas };
}
