/**
 * fivebeans 1.5.0 pins 2016-era js-yaml, lodash and semver with public advisories; the workspace
 * overrides them (the `overrides` of pnpm-workspace.yaml). This checks that the copies
 * fivebeans actually loads are the fixed ones, so a lockfile change cannot undo it silently.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const fromFivebeans = createRequire(createRequire(import.meta.url).resolve("fivebeans/lib/client.js"));

describe("fivebeans' dependencies", () => {
  it.each([
    ["js-yaml", "3.15.2"],
    ["lodash", "4.18.1"],
    ["semver", "5.7.3"],
  ])("%s resolves to the overridden %s", (name, version) => {
    const manifest = fromFivebeans(`${name}/package.json`) as { version: string };
    expect(manifest.version).toBe(version);
  });
});
