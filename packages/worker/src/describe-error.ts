/**
 * `Name: message` for an `Error`, `String(value)` for anything else. Handlers may throw anything,
 * including values whose conversion to a string throws (a null-prototype object, a hostile
 * `toString`), so this never throws: a job must be settled whatever its handler threw.
 */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
