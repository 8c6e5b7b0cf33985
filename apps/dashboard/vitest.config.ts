import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A guard against hangs, not a speed check: the tests start the app as a child process,
    // which takes seconds rather than milliseconds on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
