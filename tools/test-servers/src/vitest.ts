/**
 * `@x/test-servers/vitest`: helpers that register vitest tests. Kept apart from the main entry so
 * benchmarks and child processes can use the servers without loading vitest.
 */

export type { ExpectedOutput, ReadmeExamplesOptions } from "./readme-suite.js";
export { describeReadmeExamples } from "./readme-suite.js";
