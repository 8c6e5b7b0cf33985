/**
 * Runs x-probe with this app's checks module; any other x-probe option can follow, e.g.
 * `--once` or `--destination tcp:127.0.0.1:5000`.
 */
import { fileURLToPath } from "node:url";
import { runCli } from "@x/probe/cli";

// From the sources (tsx) the module is checks.ts, once built it is checks.js.
const checks = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./checks.ts" : "./checks.js", import.meta.url));
process.exit(await runCli(["--checks", checks, ...process.argv.slice(2)]));
