import { InvalidArgumentError } from "@x/message";

/**
 * beanstalkd's rule for tube names: 1 to 200 bytes of letters, digits and `-+/;.$_()`, not
 * starting with a hyphen. The server answers anything else with `BAD_FORMAT`; we check first so
 * the error names the option instead.
 */
export const TUBE_NAME_PATTERN = /^[A-Za-z0-9+/;.$_()][A-Za-z0-9\-+/;.$_()]{0,199}$/;

/** Whether beanstalkd accepts `name` as a tube name (see {@link TUBE_NAME_PATTERN}). */
export function isValidTubeName(name: string): boolean {
  return TUBE_NAME_PATTERN.test(name);
}

/** Throws `InvalidArgumentError` naming `argument` when `name` is not a valid tube name. */
export function checkTubeName(name: unknown, argument = "tube"): string {
  if (typeof name !== "string") throw new InvalidArgumentError(argument, `must be a string, got ${typeof name}`);
  if (name.length === 0) throw new InvalidArgumentError(argument, "must not be empty");
  if (name.length > 200) throw new InvalidArgumentError(argument, `must be at most 200 characters, got ${name.length}`);
  if (name.startsWith("-")) throw new InvalidArgumentError(argument, `must not start with a hyphen, got ${JSON.stringify(name)}`);
  if (!isValidTubeName(name)) {
    throw new InvalidArgumentError(
      argument,
      `may only contain letters, digits and -+/;.$_() (beanstalkd's rule), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
