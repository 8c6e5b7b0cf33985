/**
 * `x-queue`'s exit codes, stable for scripts (the README has the table). Each failure has its own
 * code only where a script would act differently on it.
 */

/** Done. */
export const EXIT_OK = 0;
/** Failed, or nothing found: `pop` on an empty queue, `peek`/`delete` of a missing id, a queue that does not exist, a broken connection. */
export const EXIT_FAILURE = 1;
/** The command line is wrong: unknown command or option, a bad value. Nothing was done. */
export const EXIT_USAGE = 2;
/** `put --from`: some lines were not stored (each reported with its line number); the others were. */
export const EXIT_SOME_FAILED = 3;
/** `work --fail-on-buried`: the run buried at least one job (expired jobs buried included). */
export const EXIT_BURIED = 4;
