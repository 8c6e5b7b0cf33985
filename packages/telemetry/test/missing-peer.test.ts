import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, "fixtures");

async function useWithout(hide: boolean): Promise<unknown> {
  const hiding = hide ? ["--require", join(fixtures, "hide-api.cjs"), "--import", join(fixtures, "hide-api-esm.mjs")] : [];
  const { stdout } = await run(process.execPath, [...hiding, "--import", "tsx", join(fixtures, "use-without-api.ts")], {
    cwd: join(import.meta.dirname, ".."),
  });
  return JSON.parse(stdout);
}

describe("the optional peer", () => {
  it("importing and using @x/telemetry works when @opentelemetry/api is not installed", async () => {
    expect(await useWithout(true)).toEqual({ api: "missing", span: true, header: { a: 1 } });
  });

  it("the same fixture finds the API when it is installed (so the test above can fail)", async () => {
    expect(await useWithout(false)).toEqual({ api: "present", span: true, header: { a: 1 } });
  });
});
