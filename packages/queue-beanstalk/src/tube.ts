/**
 * beanstalkd's rule for tube names: 1 to 200 bytes of letters, digits and `-+/;.$_()`, not
 * starting with a hyphen. The server answers anything else with `BAD_FORMAT`; we check first so
 * the error names the option instead.
 */
const TUBE_NAME_PATTERN = /^[A-Za-z0-9+/;.$_()][A-Za-z0-9\-+/;.$_()]{0,199}$/;

/** Whether beanstalkd accepts `name` as a tube name: 1-200 characters of letters, digits and `-+/;.$_()`, not starting with `-`. */
export function isValidTubeName(name: string): boolean {
  return TUBE_NAME_PATTERN.test(name);
}

/** What is wrong with `name` as a tube name, or `undefined` when beanstalkd accepts it. */
export function tubeNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "must be a string";
  if (name.length === 0) return "must not be empty";
  if (name.length > 200) return `must be at most 200 characters (it has ${name.length})`;
  if (name.startsWith("-")) return "must not start with a hyphen";
  if (!isValidTubeName(name)) return "may only contain letters, digits and -+/;.$_() (beanstalkd's rule)";
  return undefined;
}
