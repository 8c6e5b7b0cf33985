export { runDemo } from "./demo.js";
export type { DemoSummary, Jobs } from "./demo.js";
