export { asExpected, EXPECTED, runDemo } from "./demo.js";
export { explainHeartbeat } from "./story.js";
export type { DemoSummary, Jobs } from "./demo.js";
export type { StoryEnd } from "./story.js";
