import { InvalidArgumentError } from "@x/message";

/**
 * Where a walk of `list()` stands: it has looked at every job id up to `after`, and ends at `end`,
 * the highest id the server had assigned when the walk began (jobs put later are not part of it).
 */
export interface ListCursor {
  readonly after: number;
  readonly end: number;
}

const CURSOR = /^([0-9]{1,15})\.([0-9]{1,15})$/;

/** The opaque string handed to callers. */
export function formatCursor(cursor: ListCursor): string {
  return `${String(cursor.after)}.${String(cursor.end)}`;
}

/** Reads a cursor of {@link formatCursor}. @throws InvalidArgumentError("cursor") for anything else. */
export function parseCursor(text: string): ListCursor {
  const match = CURSOR.exec(text);
  const after = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(after) || !Number.isSafeInteger(end) || after > end) {
    throw new InvalidArgumentError("cursor", `is not a cursor from this queue's list(), got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { after, end };
}
