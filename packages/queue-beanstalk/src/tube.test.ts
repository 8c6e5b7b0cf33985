import { describe, expect, it } from "vitest";
import { isValidTubeName, tubeNameProblem } from "./tube.js";

describe("tube names", () => {
  it.each(["default", "emails", "a", "A-b+c/d;e.f$g_h(i)", "007", "x".repeat(200), "(parens)", "+plus"])("accepts %s", (name) => {
    expect(isValidTubeName(name)).toBe(true);
    expect(tubeNameProblem(name)).toBeUndefined();
  });

  it.each([
    ["", "must not be empty"],
    ["-leading-hyphen", "must not start with a hyphen"],
    ["has space", "may only contain"],
    ["tab\there", "may only contain"],
    ["new\nline", "may only contain"],
    ["colon:name", "may only contain"],
    ["star*", "may only contain"],
    ["zoë", "may only contain"],
    ["x".repeat(201), "at most 200"],
  ])("rejects %j: %s", (name, problem) => {
    expect(isValidTubeName(name)).toBe(false);
    expect(tubeNameProblem(name)).toContain(problem);
  });

  it("rejects non-strings", () => {
    expect(tubeNameProblem(42)).toBe("must be a string");
  });
});
