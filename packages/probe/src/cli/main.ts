#!/usr/bin/env node
// The x-probe command: everything happens in runCli; this file only wires it to the process.
import { runCli } from "./run-cli.js";

const code = await runCli(process.argv.slice(2));
// Exit explicitly: a check module may hold timers or sockets of its own that would keep the
// process alive after the probe has flushed and closed everything it owns.
process.exit(code);
