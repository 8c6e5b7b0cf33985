import { describe, expect, it } from "vitest";
import { explainHeartbeat } from "../src/index.js";
import { runApp } from "./run-app.js";
import { expectTheStory } from "./story-checks.js";

describe("apps/jobs: the main job", () => {
  it("runs producer, schedule and worker on the file queue, with heartbeats and a payload schema, and ends with the expected summary", async () => {
    const { code, stdout, stderr } = await runApp();
    expect(code, stderr).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "The main job: a producer puts 10 jobs on a file queue (a directory, no server), a schedule adds 2, and a worker runs them.",
    );
    expect(lines[1]).toMatch(/^queue: \S+x-jobs-demo-/);
    expectTheStory(stdout);
  });

  it("explains every heartbeat kind in words", () => {
    expect(explainHeartbeat("start/30")).toBe("starting: the first beat is due within 30 s");
    expect(explainHeartbeat("beat/10")).toBe("healthy: the next heartbeat is due within 10 s");
    expect(explainHeartbeat("degraded/10")).toMatch(/^degraded: /);
    expect(explainHeartbeat("stop")).toMatch(/^stopped: /);
    expect(explainHeartbeat("mystery")).toBe("");
  });
});
