import { InvalidMessageError } from "@x/message";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePulpoFile } from "./decode-file.js";

/** What a pulpo job file could hold, well formed or not. */
const pulpoLike = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .record(
      {
        id: fc.oneof(fc.constant("job-1"), fc.string(), fc.integer()),
        header: fc.dictionary(
          fc.constantFrom("request_type", "delay", "expiration", "attempts", "priority", "source", "__proto__"),
          fc.jsonValue(),
        ),
        body: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((components) => JSON.stringify(components, null, 2)),
);

describe("decodePulpoFile (fixed-seed fuzzing)", () => {
  it("returns a message named after the file, or throws InvalidMessageError, and nothing else", () => {
    fc.assert(
      fc.property(pulpoLike, fc.constantFrom("utc" as const, "local" as const), (text, timeZone) => {
        try {
          const message = decodePulpoFile(text, "job-1", timeZone);
          expect(message.id).toBe("job-1");
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidMessageError);
        }
      }),
      { seed: 21, numRuns: 2_000 },
    );
  });
});
