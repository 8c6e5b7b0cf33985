import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeReadmeExamples } from "@x/test-servers/vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describeReadmeExamples({
  packageDir,
  expected: [["[ 'mail: 1 ready' ]", "401", "200 true"], ["true [ 'disk critical' ]"]],
});
