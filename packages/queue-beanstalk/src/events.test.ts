import { describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "@x/message";
import { QueueEvents, type BeanstalkLogger } from "./events.js";

function logger(): BeanstalkLogger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = (): void => undefined;
  return {
    errors,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message, details) => {
      errors.push(`${message}: ${details?.error instanceof Error ? details.error.message : "?"}`);
    },
  };
}

describe("QueueEvents", () => {
  it("delivers typed payloads to every listener until unsubscribed", () => {
    const events = new QueueEvents(undefined);
    const seen: string[] = [];
    const off = events.on("buried", (e) => seen.push(`a:${e.id}:${e.reason}`));
    events.on("buried", (e) => seen.push(`b:${e.id}:${String(e.foreign)}`));
    events.emit("buried", { id: "7", reason: "nope", foreign: false });
    off();
    events.emit("buried", { id: "8", reason: "again", foreign: true });
    expect(seen).toEqual(["a:7:nope", "b:7:false", "b:8:true"]);
  });

  it("a throwing listener is logged and does not stop the others", () => {
    const log = logger();
    const events = new QueueEvents(log);
    const after = vi.fn();
    events.on("connect", () => {
      throw new Error("listener bug");
    });
    events.on("connect", after);
    expect(() => {
      events.emit("connect", { connection: "producer", generation: 1 });
    }).not.toThrow();
    expect(after).toHaveBeenCalledWith({ connection: "producer", generation: 1 });
    expect(log.errors).toEqual(["a connect listener threw: listener bug"]);
  });

  it("rejects an unknown event name or a listener that is not a function, naming the argument", () => {
    const events = new QueueEvents(undefined);
    const argumentOf = (run: () => unknown): string | undefined => {
      try {
        run();
      } catch (err) {
        return err instanceof InvalidArgumentError ? err.argument : undefined;
      }
      return undefined;
    };
    expect(argumentOf(() => events.on("burried" as "buried", () => undefined))).toBe("event");
    expect(argumentOf(() => events.on("buried", "not a function" as unknown as () => void))).toBe("listener");
  });
});
