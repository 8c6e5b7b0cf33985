import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EVENT_INSTRUMENTS, HEARTBEAT_INSTRUMENTS, JOB_INSTRUMENTS, PROBE_INSTRUMENTS } from "@x/telemetry";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const rootDoc = readFileSync(join(root, "TELEMETRY.md"), "utf8");
const readme = readFileSync(join(root, "packages", "telemetry", "README.md"), "utf8");

/** The lines of the README's "The schema" section, without its heading. */
function schemaSection(markdown: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line === "## The schema");
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  return lines
    .slice(start + 1, end)
    .join("\n")
    .trim();
}

describe("TELEMETRY.md, the root document of the schema", () => {
  it("holds the schema section of @x/telemetry's README word for word", () => {
    const section = schemaSection(readme);
    expect(section.length).toBeGreaterThan(500);
    expect(rootDoc).toContain(section);
  });

  it("names every instrument the packages report", () => {
    const instruments = [JOB_INSTRUMENTS, EVENT_INSTRUMENTS, HEARTBEAT_INSTRUMENTS, PROBE_INSTRUMENTS].flatMap((group) =>
      Object.values(group).map((spec) => spec.name),
    );
    expect(instruments.length).toBeGreaterThan(20);
    for (const name of instruments) expect(rootDoc, name).toContain(`\`${name}\``);
  });
});
