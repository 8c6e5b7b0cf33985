import { describe, expect, it } from "vitest";
import { QueueCliUsageError } from "../errors.js";
import { parseQueueUrl } from "./queue-url.js";

describe("parseQueueUrl", () => {
  it("nats://host:port/queue loads @x/queue-nats's createNatsQueue({ servers, queue })", () => {
    expect(parseQueueUrl("nats://127.0.0.1:4222/emails", "/")).toEqual({
      scheme: "nats",
      packageName: "@x/queue-nats",
      factory: "createNatsQueue",
      options: { servers: "127.0.0.1:4222", queue: "emails" },
    });
    expect(parseQueueUrl("nats://nats.internal/jobs", "/").options).toEqual({ servers: "nats.internal", queue: "jobs" });
  });

  it("beanstalk://...?dialect=pulpo passes the dialect, with ttr in seconds as before", () => {
    expect(parseQueueUrl("beanstalk://10.0.0.5:11300/emails?dialect=pulpo&ttr=30", "/")).toEqual({
      scheme: "beanstalk",
      packageName: "@x/queue-beanstalk",
      factory: "createBeanstalkQueue",
      options: { host: "10.0.0.5", port: 11300, tube: "emails", dialect: "pulpo", ttrMs: 30_000 },
    });
  });

  it.each([
    ["nats://127.0.0.1:4222/", /one queue name/],
    ["nats://127.0.0.1:4222/a/b", /one queue name/],
    ["nats://127.0.0.1:4222/a?x=1", /unknown parameter `x`/],
    ["beanstalk://h:1/t?dialect=PULPO", /`dialect` must be iso or pulpo, got "PULPO"/],
  ])("%s is a usage error", (url, message) => {
    expect(() => parseQueueUrl(url, "/")).toThrow(QueueCliUsageError);
    expect(() => parseQueueUrl(url, "/")).toThrow(message);
  });
});
