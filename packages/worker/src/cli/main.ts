/**
 * The `x-queue` command (bin/x-queue.js imports the compiled copy). Everything is in `runCli`;
 * this file only binds it to the process.
 */
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  cliUrl: import.meta.url,
});
