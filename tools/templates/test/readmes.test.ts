import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  importedPackages,
  installLine,
  linksLeavingPackage,
  packageOf,
  statedInstallSize,
  statedTypeScriptMinimum,
} from "../src/readme.js";
import { publishedPackages, ROOT } from "../src/workspace.js";

const packages = await publishedPackages();
const rootLicense = await readFile(join(ROOT, "LICENSE"), "utf8");

describe("package READMEs as the npm site shows them", () => {
  it("finds the published packages", () => {
    expect(packages.map((p) => p.manifest.name)).toContain("@x/message");
  });

  describe.each(packages.map((p) => [p.manifest.name, p] as const))("%s", (name, pkg) => {
    const readme = async (): Promise<string> => readFile(join(pkg.dir, "README.md"), "utf8");

    it("has an install line naming the package and every package its examples import", async () => {
      const text = await readme();
      const install = installLine(text);
      expect(install, "no `npm install ...` line in a sh block").not.toBeNull();
      const missing = [...importedPackages(text)].filter((imported) => !install?.packages.has(imported));
      expect(missing, `add them to \`${install?.line ?? ""}\``).toEqual([]);
      expect(install?.packages.has(name)).toBe(true);
    });

    it("has no link that leaves the package (they break on the npm site)", async () => {
      expect(linksLeavingPackage(await readme())).toEqual([]);
    });

    it("states the minimum TypeScript and the install size (the publishing check verifies both)", async () => {
      const text = await readme();
      expect(statedTypeScriptMinimum(text)).toMatch(/^\d+\.\d+$/);
      expect(statedInstallSize(text)).not.toBeNull();
    });

    it("has the root LICENSE next to it (pnpm pack always ships it)", async () => {
      expect(await readFile(join(pkg.dir, "LICENSE"), "utf8")).toBe(rootLicense);
    });

    it("publishes exports without the @x/source condition", () => {
      const published = JSON.stringify(pkg.manifest.publishConfig?.exports ?? pkg.manifest.exports);
      expect(published).not.toContain("@x/source");
      expect(published).not.toContain("./src/");
    });
  });
});

describe("README helpers", () => {
  it("maps import specifiers to packages", () => {
    expect(packageOf("@x/message/testing")).toBe("@x/message");
    expect(packageOf("zod/v4")).toBe("zod");
    expect(packageOf("node:fs")).toBeNull();
    expect(packageOf("fs/promises")).toBeNull();
    expect(packageOf("./local.js")).toBeNull();
  });

  it("reads imports from every code block, no-run ones included", () => {
    const md = [
      "```ts",
      'import { a } from "@x/a";',
      'import type { B } from "@x/b/sub";',
      'export { c } from "c-lib";',
      'import "side-effect";',
      'const d = await import("dyn");',
      'import { readFile } from "node:fs/promises";',
      "```",
      "```ts no-run",
      'import { describe } from "vitest";',
      "```",
      "```sh",
      'import { nope } from "not-code";',
      "```",
    ].join("\n");
    expect([...importedPackages(md)].sort()).toEqual(["@x/a", "@x/b", "c-lib", "dyn", "side-effect", "vitest"]);
  });

  it("reads the first npm install line without flags, versions or comments", () => {
    const md = "```sh\nnpm install @x/worker zod@4 -D @x/queue-file   # or @x/queue-beanstalk\nnpm install other\n```";
    expect(installLine(md)?.packages).toEqual(new Set(["@x/worker", "zod", "@x/queue-file"]));
  });

  it("finds links that leave the package", () => {
    const md = '[a](../../README.md) [b](./docs.md) [c](https://x.dev/../y)\n[d]: ../other\n<a href="../z">z</a>';
    expect(linksLeavingPackage(md)).toEqual(["../../README.md", "../other", "../z"]);
  });

  it("reads the stated TypeScript minimum and install size", () => {
    const md = "Types need TypeScript >= 5.6. Install size: 3 packages, 665 kB (npm).";
    expect(statedTypeScriptMinimum(md)).toBe("5.6");
    expect(statedInstallSize(md)).toEqual({ packages: 3, size: "665 kB" });
  });
});
