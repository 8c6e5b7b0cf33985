import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * Shared vitest config: every package re-exports it from its own `vitest.config.ts`.
 * The `@x/source` export condition makes tests import sibling packages from their
 * TypeScript sources, so no build step is needed (toolchain.md §3.3). It must go in
 * `ssr.resolve.conditions`; `resolve.conditions` is ignored for node tests.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ["@x/source", ...defaultServerConditions] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
