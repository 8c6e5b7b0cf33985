/** The text of an error for a message or a comment: its message, or the value itself. */
export function errorText(error: unknown): string {
  // Anything can be thrown, including objects without a string form (a null prototype, a
  // `toString` that throws); describing a failure must not fail in turn.
  try {
    if (error instanceof Error) return error.message;
    return typeof error === "string" ? error : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
