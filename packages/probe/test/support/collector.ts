import { createServer, type Server, type Socket } from "node:net";

/** A line-collecting stream server (TCP or unix), like a seismometer collector. */
export class Collector {
  readonly lines: string[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #paused = false;

  /**
   * Starts listening on a TCP port of 127.0.0.1 or on a unix socket path. With `paused`, nothing
   * is read until {@link Collector.resume}, like a collector that stalls: the sender's socket
   * buffers fill up and its writes push back.
   */
  async listen(target: { port: number } | { path: string }, options: { paused?: boolean } = {}): Promise<void> {
    this.#paused = options.paused ?? false;
    const server = createServer({ pauseOnConnect: this.#paused }, (socket) => {
      this.#sockets.add(socket);
      let partial = "";
      socket.on("data", (chunk: Buffer) => {
        const parts = (partial + chunk.toString("utf8")).split("\n");
        partial = parts.pop() ?? "";
        this.lines.push(...parts);
      });
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => undefined);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      if ("port" in target) server.listen(target.port, "127.0.0.1", resolve);
      else server.listen(target.path, resolve);
    });
  }

  /** Number of connections open now. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Starts reading the connections of a paused collector. */
  resume(): void {
    this.#paused = false;
    for (const socket of this.#sockets) socket.resume();
  }

  /** Stops listening and drops every connection, as a crashing collector would. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** The parsed `event.vset.value.value` of every line, in order. */
  values(): unknown[] {
    return this.lines.map((l) => (JSON.parse(l) as { event: { vset: { value: { value: unknown } } } }).event.vset.value.value);
  }
}
