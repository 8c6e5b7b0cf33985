/** `pnpm demo`: runs the main job once and exits 0 when every job ended as expected. */
import { asExpected, runDemo } from "./demo.js";

const summary = await runDemo();
if (asExpected(summary)) {
  console.log("demo: every job ended as expected");
} else {
  console.error("demo: the outcomes differ from what the demo expects (see the summary above)");
  process.exitCode = 1;
}
