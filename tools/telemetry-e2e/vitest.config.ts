import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

/**
 * Vitest hands its resolve conditions to Node as `--conditions`; with `module` among them Node
 * loads `@opentelemetry/api`'s bundler-only ESM build (extensionless imports), which cannot load.
 */
export default defineConfig({
  ...shared,
  ssr: { resolve: { conditions: ["@x/source", ...defaultServerConditions.filter((condition) => condition !== "module")] } },
});
