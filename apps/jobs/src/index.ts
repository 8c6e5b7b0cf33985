export type { DemoSummary, Jobs } from "./demo.js";
export { asExpected, EXPECTED, runDemo } from "./demo.js";
export type { DemoQueue } from "./queue.js";
export { openDemoQueue, parseNatsQueueUrl, QUEUE_VARIABLE } from "./queue.js";
export type { StoryEnd } from "./story.js";
export { explainHeartbeat } from "./story.js";
