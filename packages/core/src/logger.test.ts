import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "./errors.js";
import { type Logger, loggerOption, silentLogger } from "./logger.js";

describe("Logger", () => {
  it("takes a pino logger as it is and keeps the fields in its JSON", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger: Logger = loggerOption(pino({ level: "debug" }, sink));
    logger.warn({ jobId: "j1", attempt: 2 }, "job released");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: 40, jobId: "j1", attempt: 2, msg: "job released" });
  });

  it("takes console as it is", () => {
    expect(loggerOption(console)).toBe(console);
  });

  it("defaults to the silent logger, which accepts every level", () => {
    const logger = loggerOption(undefined);
    expect(logger).toBe(silentLogger);
    for (const level of ["debug", "info", "warn", "error"] as const) {
      expect(() => {
        logger[level]({ a: 1 }, "x");
      }).not.toThrow();
    }
  });

  it("names the missing method of a bad logger", () => {
    const noop = (): void => undefined;
    const threeLevels = { debug: noop, info: noop, warn: noop };
    expect(() => loggerOption(threeLevels)).toThrow(InvalidOptionError);
    expect(() => loggerOption(threeLevels)).toThrow(/`logger` must have .*error is missing/);
    expect(() => loggerOption(null, "log")).toThrow(/option `log`.*debug is missing/);
  });
});
