import { describe, expect, it } from "vitest";
import { decode, encode, encodeToString } from "./codec.js";
import { formatPulpoDelay, formatPulpoExpiration } from "./dates.js";
import { InvalidArgumentError } from "./errors.js";
import { createMessage } from "./message.js";

/**
 * The exact bytes pulpo writes: Python's `json.dumps(components, indent=2, default=str)` over the
 * dict its `Message` builds (body keys, payload, header keys, request_type, delay, expiration; the
 * file adapter adds the id last), with datetimes as `str(datetime)`.
 */
const PULPO_FILE_MESSAGE = [
  "{",
  '  "body": {',
  '    "to": "ada@example.com",',
  '    "subject": "Welcome",',
  '    "payload": {',
  '      "name": "Ada",',
  '      "tags": [',
  '        "new",',
  '        "vip"',
  "      ],",
  '      "count": 3,',
  '      "ok": true,',
  '      "note": null',
  "    }",
  "  },",
  '  "header": {',
  '    "source": "signup",',
  '    "request_type": "send_email",',
  '    "delay": "2026-12-05 16:38:06.401000",',
  '    "expiration": "2026-12-06 00:00:00"',
  "  },",
  '  "id": "1702227600.123456-4f1c2b7e-8d7a-4c3e-9b1a-2f6e5d4c3b2a"',
  "}",
].join("\n");

/** A whole-second delay: `str(datetime)` leaves the microseconds out. */
const PULPO_WHOLE_SECOND_DELAY = [
  "{",
  '  "body": {',
  '    "payload": "hello"',
  "  },",
  '  "header": {',
  '    "request_type": "upper",',
  '    "delay": "2026-12-05 16:38:06"',
  "  },",
  '  "id": "1702227600.5-a"',
  "}",
].join("\n");

/** pulpo's beanstalkd adapter: no id; non-ASCII escaped (`ensure_ascii`); `attempts` after two rollbacks. */
const PULPO_BEANSTALK_BODY = [
  "{",
  '  "body": {',
  '    "payload": "caf\\u00e9 \\ud83d\\ude00 \\u007f"',
  "  },",
  '  "header": {',
  '    "request_type": "echo",',
  '    "delay": "2026-12-05 16:38:06.250000",',
  '    "attempts": 2',
  "  }",
  "}",
].join("\n");

/** What pulpo's `strptime` formats accept: `%Y-%m-%d %H:%M:%S.%f` (delay) and `%Y-%m-%d %H:%M:%S` (expiration). */
const PULPO_DELAY_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,6}$/;
const PULPO_EXPIRATION_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const fileMessage = createMessage({
  id: "1702227600.123456-4f1c2b7e-8d7a-4c3e-9b1a-2f6e5d4c3b2a",
  requestType: "send_email",
  payload: { name: "Ada", tags: ["new", "vip"], count: 3, ok: true, note: null },
  delay: new Date("2026-12-05T16:38:06.401Z"),
  expiration: new Date("2026-12-06T00:00:00.000Z"),
  header: { source: "signup" },
  body: { to: "ada@example.com", subject: "Welcome" },
});

describe("the pulpo dialect", () => {
  it("writes pulpo's bytes for the same message (indent=2, pulpo's key order, microseconds)", () => {
    expect(encodeToString(fileMessage, { dialect: "pulpo" })).toBe(PULPO_FILE_MESSAGE);
    expect(encode(fileMessage, { dialect: "pulpo" }).equals(Buffer.from(PULPO_FILE_MESSAGE))).toBe(true);
  });

  it("reads pulpo's bytes as the same message", () => {
    expect(decode(PULPO_FILE_MESSAGE)).toEqual(fileMessage);
    expect(decode(Buffer.from(PULPO_FILE_MESSAGE))).toEqual(decode(encode(fileMessage)));
  });

  it("reads pulpo's date without microseconds, and writes it with them, since pulpo's delay parser requires them", () => {
    const message = decode(PULPO_WHOLE_SECOND_DELAY);
    expect(message).toEqual(
      createMessage({ id: "1702227600.5-a", requestType: "upper", payload: "hello", delay: new Date("2026-12-05T16:38:06.000Z") }),
    );
    expect(encodeToString(message, { dialect: "pulpo" })).toBe(PULPO_WHOLE_SECOND_DELAY.replace('06"', '06.000000"'));
  });

  it("writes pulpo's beanstalkd body: no id, non-ASCII escaped as Python does, attempts last", () => {
    const message = createMessage({
      id: "7",
      requestType: "echo",
      payload: "café 😀 \u007f",
      delay: new Date("2026-12-05T16:38:06.250Z"),
      attempts: 2,
    });
    expect(encodeToString(message, { dialect: "pulpo", includeId: false })).toBe(PULPO_BEANSTALK_BODY);
    expect(decode(JSON.stringify({ ...(JSON.parse(PULPO_BEANSTALK_BODY) as object), id: "7" }))).toEqual(message);
  });

  it("writes dates only in the forms pulpo's strptime formats accept", () => {
    for (const iso of ["2026-12-05T16:38:06.401Z", "2026-12-05T16:38:06.000Z", "0999-01-02T03:04:05.006Z", "9999-12-31T23:59:59.999Z"]) {
      const message = createMessage({ delay: new Date(iso), expiration: new Date(iso) });
      const header = (JSON.parse(encodeToString(message, { dialect: "pulpo" })) as { header: Record<string, string> }).header;
      expect(header.delay).toMatch(PULPO_DELAY_FORMAT);
      expect(header.expiration).toMatch(PULPO_EXPIRATION_FORMAT);
      expect(header.delay).not.toContain("T");
    }
    expect(formatPulpoDelay(new Date("2026-12-05T16:38:06.401Z"))).toBe("2026-12-05 16:38:06.401000");
    expect(formatPulpoDelay(new Date("2026-12-05T16:38:06.000Z"))).toBe("2026-12-05 16:38:06.000000");
  });

  it("rounds an expiration down to the second: it is the latest start and never moves later", () => {
    expect(formatPulpoExpiration(new Date("2026-12-05T16:38:06.999Z"))).toBe("2026-12-05 16:38:06");
    const message = createMessage({ id: "a", expiration: new Date("2026-12-05T16:38:06.999Z") });
    expect(decode(encode(message, { dialect: "pulpo" })).header.expiration).toEqual(new Date("2026-12-05T16:38:06.000Z"));
  });

  it("writes a non-default priority first in the header and leaves pulpo's defaults out", () => {
    const urgent = createMessage({ id: "a", requestType: "x", priority: 3, header: { source: "shop" } });
    expect(encodeToString(urgent, { dialect: "pulpo" })).toBe(
      '{\n  "header": {\n    "priority": 3,\n    "source": "shop",\n    "request_type": "x"\n  },\n  "id": "a"\n}',
    );
    expect(decode(encode(urgent, { dialect: "pulpo" }))).toEqual(urgent);
    const bare = createMessage({ id: "b" });
    expect(encodeToString(bare, { dialect: "pulpo" })).toBe('{\n  "id": "b"\n}');
    expect(encodeToString(bare, { dialect: "pulpo", includeId: false })).toBe('{\n  "id": "b"\n}');
    expect(decode(encode(bare, { dialect: "pulpo" }))).toEqual(bare);
  });

  it("round-trips every field but the expiration's fraction", () => {
    const message = createMessage({
      id: "c",
      requestType: "resize",
      payload: [1, "ü", { deep: [null, false, 2.5] }],
      priority: 0,
      attempts: 4,
      delay: new Date("2026-12-05T16:38:06.007Z"),
      expiration: new Date("2026-12-07T01:02:03.000Z"),
      header: { trace: { id: "t1" } },
      body: { extra: "" },
    });
    expect(decode(encode(message, { dialect: "pulpo" }))).toEqual(message);
  });

  it("keeps ISO-8601 and compact JSON as the default", () => {
    const text = encodeToString(fileMessage);
    expect(text).toBe(encodeToString(fileMessage, { dialect: "iso" }));
    expect(text).toContain('"delay":"2026-12-05T16:38:06.401Z"');
    expect(text).not.toContain("\n");
    const withoutId = JSON.parse(encodeToString(fileMessage, { includeId: false })) as Record<string, unknown>;
    expect(Object.keys(withoutId)).toEqual(["header", "body"]);
  });

  it("refuses an unknown dialect", () => {
    expect(() => encode(fileMessage, { dialect: "python" as "pulpo" })).toThrow(InvalidArgumentError);
  });
});
