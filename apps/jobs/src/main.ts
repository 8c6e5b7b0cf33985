/** `pnpm demo`: runs the main job once and exits 0 when every job ended as expected. */
import { runDemo } from "./demo.js";

const summary = await runDemo();
const expected = summary.succeeded === 7 && summary.buried === 1 && summary.expired === 1 && summary.errors === 0;
if (!expected) console.error("demo: the outcomes differ from what the demo expects");
process.exitCode = expected ? 0 : 1;
