import { join } from "node:path";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { expect } from "vitest";

describeReadmeExamples({
  packageDir: join(import.meta.dirname, ".."),
  expected: [
    "send_email { to: 'ada@example.com', subject: 'Welcome' }\nsend_email\n",
    "2000-01-01T12:00:00.000Z 2023-12-10T17:00:00.250Z\n",
    [
      "{",
      '  "body": {',
      '    "payload": "caf\\u00e9"',
      "  },",
      '  "header": {',
      '    "request_type": "send_email",',
      '    "delay": "2026-12-05 16:38:06.401000",',
      '    "expiration": "2026-12-06 00:00:00"',
      "  },",
      '  "id": "1702227600.123456-a"',
      "}",
      "2026-12-06T00:00:00.000Z",
      "",
    ].join("\n"),
    (out) => {
      const lines = out.split("\n");
      expect(lines.slice(0, 2)).toEqual([
        "header.priority - invalid message: header.priority: must be an integer, got number 1.5",
        'id - invalid message: id: not a valid message id: "../etc/passwd"',
      ]);
      // The rest of this line is V8's JSON.parse message, which differs between Node versions.
      expect(lines[2]).toMatch(/^undefined - invalid message: not JSON: /);
      expect(lines).toHaveLength(4);
    },
    [
      "[",
      "  'a.png',",
      "  '`priority` must be an integer, got NaN',",
      "  'ada@example.com'",
      "]",
      "resize 1 no a.png",
      "{ matched: 1, changed: 1 }",
      "null { ready: 1, delayed: 0, reserved: 0, buried: 1, paused: true }",
      "",
    ].join("\n"),
    "{ image: 'urgent.png' } 0\n{ ready: 1, delayed: 0, reserved: 0, buried: 1, paused: false }\n1 2\n",
  ],
});
