import { createNatsQueue } from "@x/queue-nats";
import { describe, expect, it } from "vitest";
import { parseNatsQueueUrl } from "../src/index.js";
import { startNatsServer } from "./nats-server.js";
import { runApp } from "./run-app.js";
import { expectTheStory } from "./story-checks.js";

describe("apps/jobs on NATS JetStream: JOBS_QUEUE=nats://host:port/<queue>", () => {
  it("tells the same story on a real nats-server, leaves the queue empty, and runs again on it", async () => {
    await using server = await startNatsServer();
    const env = { ...process.env, JOBS_QUEUE: `${server.url}/jobs` };
    for (const run of [1, 2]) {
      const { code, stdout, stderr } = await runApp([], env);
      expect(code, `run ${run}: ${stderr}`).toBe(0);
      expect(stderr).toBe("");
      const lines = stdout.trimEnd().split("\n");
      expect(lines[0]).toBe(
        `The main job: a producer puts 10 jobs on a NATS JetStream queue (jobs on ${server.url}), a schedule adds 2, and a worker runs them.`,
      );
      expect(lines[1]).toBe(`queue: ${server.url}/jobs`);
      expectTheStory(stdout);
    }
    // The jobs really went through the server: the queue's stream exists, emptied by the demo.
    const queue = createNatsQueue({ servers: server.url, queue: "jobs" });
    const stats = await queue.stats();
    await queue.close();
    expect([stats.ready, stats.delayed, stats.reserved, stats.buried]).toEqual([0, 0, 0, 0]);
  });

  it("refuses a queue that already holds jobs, rather than mixing them into the story", async () => {
    await using server = await startNatsServer();
    const queue = createNatsQueue({ servers: server.url, queue: "busy" });
    await queue.enqueue({ requestType: "someone_elses", payload: {} });
    await queue.close();
    const { code, stderr } = await runApp([], { ...process.env, JOBS_QUEUE: `${server.url}/busy` });
    expect(code).toBe(1);
    expect(stderr).toContain(`the queue ${server.url}/busy already holds 1 jobs: the demo needs an empty one`);
  });

  it("reads nats://host:port/<queue> and refuses anything else, naming the variable", () => {
    expect(parseNatsQueueUrl("nats://127.0.0.1:4222/jobs")).toEqual({ server: "nats://127.0.0.1:4222", queue: "jobs" });
    for (const bad of ["nats://127.0.0.1:4222", "redis://h:1/jobs", "nats://h:1/a/b", "nats://h:1/with space"]) {
      expect(() => parseNatsQueueUrl(bad)).toThrow(/^JOBS_QUEUE must be unset .* or nats:\/\/host:port\/<queue>/);
    }
  });
});
