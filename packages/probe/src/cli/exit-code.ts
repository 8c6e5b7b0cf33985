import type { ProbeMessage } from "../message/types.js";

/** `--once` exit codes, as Nagios plugins use them, plus one for undelivered output. */
export const EXIT_OK = 0;
export const EXIT_WARNING = 1;
export const EXIT_CRITICAL = 2;
export const EXIT_UNKNOWN = 3;
/** Some messages of a `--once` run were not delivered (dropped, or still pending at the flush timeout). */
export const EXIT_OUTPUT_LOST = 4;

/** Nagios' state of a message: its state name when it is a Nagios one, else its severity; 0 when it has no state. */
export function messageExitCode(message: ProbeMessage): number {
  const state = message.event.state;
  if (state === undefined) return EXIT_OK;
  switch (state.value) {
    case "ok":
      return EXIT_OK;
    case "warning":
      return EXIT_WARNING;
    case "critical":
      return EXIT_CRITICAL;
    case "unknown":
      return EXIT_UNKNOWN;
  }
  // seismometer's severity defaults to "expected".
  if (state.severity === "error") return EXIT_CRITICAL;
  if (state.severity === "warning") return EXIT_WARNING;
  return EXIT_OK;
}

/** Worst first, as monitoring-plugins' `max_state_alt`: critical, warning, unknown, ok. */
const RANK = [EXIT_OK, EXIT_UNKNOWN, EXIT_WARNING, EXIT_CRITICAL];

/** The worst Nagios state of the messages, as an exit code: critical > warning > unknown > ok. */
export function worstExitCode(messages: Iterable<ProbeMessage>): number {
  let worst = EXIT_OK;
  for (const message of messages) {
    const code = messageExitCode(message);
    if (RANK.indexOf(code) > RANK.indexOf(worst)) worst = code;
  }
  return worst;
}
