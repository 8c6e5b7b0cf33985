import { InvalidOptionError, silentLogger } from "@x/core";
import { describe, expect, it } from "vitest";
import { type BeanstalkQueueOptions, resolveOptions } from "./options.js";

function optionOf(options: unknown): string {
  try {
    resolveOptions(options as BeanstalkQueueOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return (err as InvalidOptionError).option;
  }
  throw new Error("expected InvalidOptionError");
}

describe("resolveOptions", () => {
  it("fills in every default", () => {
    expect(resolveOptions({})).toEqual({
      host: "127.0.0.1",
      port: 11300,
      tube: "default",
      ttrSeconds: 60,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 5_000,
      reconnectDelayMs: 100,
      maxReconnectDelayMs: 2_000,
      reserveSliceSeconds: 5,
      prefetch: 0,
      dialect: "iso",
      logger: silentLogger,
    });
  });

  it("rounds ttrMs up to whole seconds (a lease never ends early) and reserveSliceMs down", () => {
    expect(resolveOptions({ ttrMs: 1 }).ttrSeconds).toBe(1);
    expect(resolveOptions({ ttrMs: 1_000 }).ttrSeconds).toBe(1);
    expect(resolveOptions({ ttrMs: 1_001 }).ttrSeconds).toBe(2);
    expect(resolveOptions({ ttrMs: 29_500 }).ttrSeconds).toBe(30);
    expect(resolveOptions({ reserveSliceMs: 1_999 }).reserveSliceSeconds).toBe(1);
  });

  it("takes a logger as it is", () => {
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    expect(resolveOptions({ logger }).logger).toBe(logger);
  });

  it("does not modify the caller's object", () => {
    const options = Object.freeze({ tube: "emails", ttrMs: 5_000 });
    expect(resolveOptions(options)).toMatchObject({ tube: "emails", ttrSeconds: 5 });
    expect(options).toEqual({ tube: "emails", ttrMs: 5_000 });
  });

  it.each([
    [{ host: "" }, "host"],
    [{ port: 0 }, "port"],
    [{ port: 70_000 }, "port"],
    [{ port: 1.5 }, "port"],
    [{ tube: "bad name" }, "tube"],
    [{ tube: "-x" }, "tube"],
    [{ tube: 7 }, "tube"],
    [{ ttrMs: 0 }, "ttrMs"],
    [{ ttrMs: -1 }, "ttrMs"],
    [{ ttrMs: 2 ** 32 * 1000 }, "ttrMs"],
    [{ ttrMs: "30s" }, "ttrMs"],
    [{ connectTimeoutMs: 0 }, "connectTimeoutMs"],
    [{ commandTimeoutMs: Number.NaN }, "commandTimeoutMs"],
    [{ commandTimeoutMs: Infinity }, "commandTimeoutMs"],
    [{ reconnectDelayMs: -1 }, "reconnectDelayMs"],
    [{ reconnectDelayMs: 500, maxReconnectDelayMs: 100 }, "maxReconnectDelayMs"],
    [{ reserveSliceMs: 999 }, "reserveSliceMs"],
    [{ reserveSliceMs: 3_600_001 }, "reserveSliceMs"],
    [{ prefetch: -1 }, "prefetch"],
    [{ prefetch: 2.5 }, "prefetch"],
    [{ dialect: "python" } as unknown as BeanstalkQueueOptions, "dialect"],
    [{ logger: { debug: () => undefined } }, "logger"],
  ])("rejects %j naming %s", (options, option) => {
    expect(optionOf(options)).toBe(option);
  });

  it("rejects an unknown option (a typo, or the old ttrSeconds), listing the valid ones", () => {
    expect(optionOf({ ttrSeconds: 30 })).toBe("ttrSeconds");
    expect(() => resolveOptions({ tubee: "x" } as BeanstalkQueueOptions)).toThrow(
      "valid options: commandTimeoutMs, connectTimeoutMs, dialect, host, logger, maxReconnectDelayMs, port, prefetch, reconnectDelayMs, reserveSliceMs, ttrMs, tube",
    );
  });

  it("rejects a non-object", () => {
    expect(optionOf(null)).toBe("options");
  });
});
