import { describe, expect, it } from "vitest";
import { QueueCliUsageError } from "../errors.js";
import { integerArg, jobIdArg, joinNegativeValues, parseCommandArgs, stateArg } from "./args.js";

const options = { priority: { type: "string" }, quiet: { type: "boolean" } } as const;

describe("negative numbers on the command line", () => {
  it("--priority -1 is the value -1, as --priority=-1 is", () => {
    for (const args of [["--priority", "-1"], ["--priority=-1"]]) {
      const parsed = parseCommandArgs("put", args, options);
      expect(integerArg(parsed, "priority", 0, Number.MIN_SAFE_INTEGER)).toBe(-1);
    }
  });

  it("only a string option followed by a negative number is joined", () => {
    expect(joinNegativeValues(["--priority", "-1", "--quiet", "-2", "--priority", "-x", "--", "--priority", "-3"], options)).toEqual([
      "--priority=-1",
      "--quiet",
      "-2",
      "--priority",
      "-x",
      "--",
      "--priority",
      "-3",
    ]);
  });

  it("an option still missing its value is a usage error", () => {
    expect(() => parseCommandArgs("put", ["--priority", "--quiet"], options)).toThrow(QueueCliUsageError);
  });
});

describe("jobIdArg and stateArg", () => {
  it("a path is not a job id", () => {
    expect(() => jobIdArg("peek", "../etc/passwd")).toThrow(/^peek: "\.\.\/etc\/passwd" is not a job id/);
    expect(jobIdArg("peek", "01a2-b.c:d")).toBe("01a2-b.c:d");
  });

  it("an unknown state names the ones allowed", () => {
    const parsed = parseCommandArgs("retry", ["--state", "ready"], { state: { type: "string" } });
    expect(() => stateArg(parsed, "retry", ["buried", "delayed"])).toThrow('retry: --state must be buried or delayed, got "ready"');
  });
});
