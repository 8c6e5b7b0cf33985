import { join } from "node:path";
import { describeReadmeExamples } from "@x/test-servers/vitest";

// @x/telemetry has no dev dependency on the test servers (the packages it instruments depend on it),
// so its README examples run from here, in its own directory.
describeReadmeExamples({
  packageDir: join(import.meta.dirname, "..", "..", "..", "packages", "telemetry"),
  expected: ["source, traceparent\nprocess send_email continues send send_email true\n"],
});
