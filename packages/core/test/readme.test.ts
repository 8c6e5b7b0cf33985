import { join } from "node:path";
import { describeReadmeExamples } from "@x/test-servers/vitest";

describeReadmeExamples({
  packageDir: join(import.meta.dirname, ".."),
  expected: ["pinged 1\nERR_X_INVALID_OPTION option `intervalMS` is not an option of createPinger(); valid options: intervalMs, logger\n"],
});
