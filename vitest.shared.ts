import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * Shared vitest config: every package re-exports it from its own `vitest.config.ts`.
 * The `@x/source` export condition makes tests import sibling packages from their
 * TypeScript sources, so no build step is needed. It must go in
 * `ssr.resolve.conditions`; `resolve.conditions` is ignored for node tests.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ["@x/source", ...defaultServerConditions] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A guard against hangs, not a speed check. Under CI, turbo runs several packages' suites at
    // once on two cores, and tests that start processes (a CLI command, tsc over README blocks,
    // a server) took up to 29 s where they take 3 s alone; 30 s failed one of them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
