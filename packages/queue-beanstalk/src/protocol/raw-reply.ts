import type { ReplyHandler } from "./fivebeans.js";

const CRLF = Buffer.from("\r\n");
const EMPTY = Buffer.alloc(0);

/**
 * A fivebeans reply parser for `OK <bytes>\r\n<body>\r\n` replies (the `stats*` commands) that
 * hands the body over as bytes. fivebeans' own parser runs js-yaml's `load` on it, which was a
 * tenth of the client's CPU per job (one `stats-job` each) and reads tube names such as `007` or
 * `true` back as numbers and booleans. The body is flat `key: value` lines; `stats.ts` reads them.
 * Any other reply (`NOT_FOUND`, ...) is handed over as the bare word, as fivebeans does.
 */
export class RawBodyReply implements ReplyHandler {
  complete = false;
  success = false;
  args: unknown[] = [];
  remainder: Buffer | undefined = undefined;

  process(data: Buffer): Buffer {
    const eol = data.indexOf(CRLF);
    if (eol < 0) return data;
    const header = data.toString("latin1", 0, eol);
    if (!header.startsWith("OK ")) {
      this.#finish(false, header, data.subarray(eol + 2));
      return this.remainder ?? EMPTY;
    }
    const length = Number(header.slice(3));
    if (!Number.isSafeInteger(length) || length < 0) {
      this.#finish(false, header, data.subarray(eol + 2));
      return this.remainder ?? EMPTY;
    }
    const end = eol + 2 + length;
    // The body and its CRLF may still be on the way.
    if (data.length < end + 2) return data;
    this.#finish(true, data.subarray(eol + 2, end), data.subarray(end + 2));
    return this.remainder ?? EMPTY;
  }

  reset(): void {
    this.complete = false;
    this.success = false;
    this.args = [];
    this.remainder = undefined;
  }

  #finish(success: boolean, value: unknown, rest: Buffer): void {
    this.complete = true;
    this.success = success;
    this.args = [value];
    this.remainder = rest.length > 0 ? rest : EMPTY;
  }
}
