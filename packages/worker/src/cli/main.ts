/**
 * The `x-queue` command (bin/x-queue.js imports the compiled copy). Everything is in `runCli`;
 * this file only binds it to the process.
 */
import { runCli } from "./run.js";

/** Resolves once everything written to `stream` so far has been handed to the OS. */
const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => {
    stream.write("", () => {
      resolve();
    });
  });

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
  env: process.env,
  cliUrl: import.meta.url,
});
process.exitCode = code;
// The command is over, but a handler the worker abandoned at its shutdown deadline may still hold
// a timer or a socket, which would keep the process alive for as long as it likes. Its job was
// released already; nothing of ours is left to wait for.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
