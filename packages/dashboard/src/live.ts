import type { TimerHandle, TimeSource } from "@x/core";

const encoder = new TextEncoder();

/**
 * Server-sent events to every open page. One timer for all of them: every `intervalMs` the
 * summary is built once and sent to each page as one message, however many changes happened in
 * between, so a burst of transitions costs the page one refresh.
 */
export class LiveFeed {
  readonly #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  readonly #time: TimeSource;
  readonly #intervalMs: number;
  readonly #summary: () => Promise<unknown>;
  #timer: TimerHandle;
  #closed = false;

  constructor(time: TimeSource, intervalMs: number, summary: () => Promise<unknown>) {
    this.#time = time;
    this.#intervalMs = intervalMs;
    this.#summary = summary;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** A response that streams updates until the page goes away or the feed closes. */
  open(): Response {
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        if (this.#closed) {
          controller.close();
          return;
        }
        this.#clients.add(controller);
        // The retry hint makes the browser reconnect quickly after a restart of the server.
        controller.enqueue(encoder.encode(`retry: ${Math.max(1000, this.#intervalMs)}\n\n`));
        void this.#sendTo(controller);
        this.#arm();
      },
      cancel: () => {
        if (self !== undefined) this.#clients.delete(self);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#time.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const client of this.#clients) {
      try {
        client.close();
      } catch {
        // Already closed by the reader.
      }
    }
    this.#clients.clear();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed || this.#clients.size === 0) return;
    this.#timer = this.#time.setTimeout(() => {
      this.#timer = undefined;
      void this.#broadcast().finally(() => {
        this.#arm();
      });
    }, this.#intervalMs);
  }

  async #sendTo(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const message = await this.#message();
    this.#send(controller, message);
  }

  async #broadcast(): Promise<void> {
    if (this.#clients.size === 0) return;
    const message = await this.#message();
    for (const client of this.#clients) this.#send(client, message);
  }

  async #message(): Promise<Uint8Array> {
    try {
      return encoder.encode(`event: summary\ndata: ${JSON.stringify(await this.#summary())}\n\n`);
    } catch {
      return encoder.encode(": summary failed\n\n");
    }
  }

  #send(controller: ReadableStreamDefaultController<Uint8Array>, message: Uint8Array): void {
    try {
      controller.enqueue(message);
    } catch {
      this.#clients.delete(controller);
    }
  }
}
