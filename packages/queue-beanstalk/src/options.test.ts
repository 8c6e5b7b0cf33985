import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@x/message";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_PORT,
  DEFAULT_PREFETCH,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_RESERVE_SLICE_SECONDS,
  DEFAULT_TTR_SECONDS,
  DEFAULT_TUBE,
  resolveOptions,
  type BeanstalkQueueOptions,
} from "./options.js";

function argumentOf(options: unknown): string {
  try {
    resolveOptions(options as BeanstalkQueueOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).argument;
  }
  throw new Error("expected InvalidArgumentError");
}

describe("resolveOptions", () => {
  it("fills in every default", () => {
    expect(resolveOptions({})).toEqual({
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      tube: DEFAULT_TUBE,
      ttrSeconds: DEFAULT_TTR_SECONDS,
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
      reconnectDelayMs: DEFAULT_RECONNECT_DELAY_MS,
      maxReconnectDelayMs: DEFAULT_MAX_RECONNECT_DELAY_MS,
      reserveSliceSeconds: DEFAULT_RESERVE_SLICE_SECONDS,
      prefetch: DEFAULT_PREFETCH,
      logger: undefined,
    });
    expect([DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TUBE, DEFAULT_TTR_SECONDS]).toEqual(["127.0.0.1", 11300, "default", 60]);
  });

  it("does not modify the caller's object", () => {
    const options = Object.freeze({ tube: "emails", ttrSeconds: 5 });
    expect(resolveOptions(options)).toMatchObject({ tube: "emails", ttrSeconds: 5 });
    expect(options).toEqual({ tube: "emails", ttrSeconds: 5 });
  });

  it.each([
    [{ host: "" }, "host"],
    [{ port: 0 }, "port"],
    [{ port: 70_000 }, "port"],
    [{ port: 1.5 }, "port"],
    [{ tube: "bad name" }, "tube"],
    [{ tube: "-x" }, "tube"],
    [{ ttrSeconds: 0 }, "ttrSeconds"],
    [{ ttrSeconds: 1.5 }, "ttrSeconds"],
    [{ ttrSeconds: 2 ** 32 }, "ttrSeconds"],
    [{ connectTimeoutMs: 0 }, "connectTimeoutMs"],
    [{ commandTimeoutMs: Number.NaN }, "commandTimeoutMs"],
    [{ commandTimeoutMs: Infinity }, "commandTimeoutMs"],
    [{ reconnectDelayMs: -1 }, "reconnectDelayMs"],
    [{ reconnectDelayMs: 500, maxReconnectDelayMs: 100 }, "maxReconnectDelayMs"],
    [{ reserveSliceSeconds: 0 }, "reserveSliceSeconds"],
    [{ prefetch: -1 }, "prefetch"],
    [{ prefetch: 2.5 }, "prefetch"],
    [{ logger: { debug: () => undefined } }, "logger.info"],
  ])("rejects %j naming %s", (options, argument) => {
    expect(argumentOf(options)).toBe(argument);
  });

  it("rejects a non-object", () => {
    expect(argumentOf(null)).toBe("options");
  });
});
