import { describe, expect, it, vi } from "vitest";
import { Emitter } from "./emitter.js";

interface Events {
  done: { id: string };
  failed: { id: string; error: unknown };
}

describe("Emitter", () => {
  it("delivers typed events to every listener until it unsubscribes", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const off = emitter.on("done", (e) => seen.push(`a:${e.id}`));
    emitter.on("done", (e) => seen.push(`b:${e.id}`));
    emitter.emit("done", { id: "1" });
    off();
    off();
    emitter.emit("done", { id: "2" });
    expect(seen).toEqual(["a:1", "b:1", "b:2"]);
    expect(emitter.has("failed")).toBe(false);
  });

  it("a listener that throws does not stop the others, and its error is reported", () => {
    const onListenerError = vi.fn();
    const emitter = new Emitter<Events>({ onListenerError });
    const second = vi.fn();
    emitter.on("done", () => {
      throw new Error("boom");
    });
    emitter.on("done", second);
    emitter.emit("done", { id: "1" });
    expect(second).toHaveBeenCalledOnce();
    expect(onListenerError).toHaveBeenCalledWith(new Error("boom"), "done");
  });

  it("logs a listener's error when given a logger", () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const emitter = new Emitter<Events>({ logger });
    emitter.on("failed", () => {
      throw new Error("boom");
    });
    emitter.emit("failed", { id: "1", error: null });
    expect(logger.error).toHaveBeenCalledWith({ event: "failed", error: new Error("boom") }, "a listener threw");
  });

  it("unsubscribing during an emit does not skip the next listener", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const off = emitter.on("done", () => {
      seen.push("a");
      off();
    });
    emitter.on("done", () => seen.push("b"));
    emitter.emit("done", { id: "1" });
    emitter.emit("done", { id: "2" });
    expect(seen).toEqual(["a", "b", "b"]);
  });
});
