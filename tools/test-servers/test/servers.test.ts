import { createConnection } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { MissingBinaryError, startBeanstalkd, startNatsServer } from "../src/index.js";
import { launch } from "../src/server-process.js";

/** Sends one beanstalkd command over a fresh socket and returns the raw reply. */
async function beanstalk(port: number, command: string, expectBytes = 1): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.once("error", reject);
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("utf8");
      if (reply.length >= expectBytes && reply.endsWith("\r\n")) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(command);
  });
}

async function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => {
      resolve(true);
    });
  });
}

describe("startBeanstalkd", () => {
  it("starts on a free loopback port and answers the protocol", async () => {
    await using bs = await startBeanstalkd();
    expect(bs.url).toBe(`beanstalk://127.0.0.1:${bs.port}`);
    expect(await beanstalk(bs.port, "put 0 0 60 5\r\nhello\r\n")).toMatch(/^INSERTED \d+\r\n$/);
  });

  it("two servers get different ports and data dirs", async () => {
    await using a = await startBeanstalkd();
    await using b = await startBeanstalkd();
    expect(a.port).not.toBe(b.port);
    expect(a.dataDir).not.toBe(b.dataDir);
  });

  it("kill() is a SIGKILL and restart() keeps port and binlog data", async () => {
    await using bs = await startBeanstalkd({ binlog: true });
    const inserted = await beanstalk(bs.port, "put 7 0 60 4\r\nkept\r\n");
    const id = /INSERTED (\d+)/.exec(inserted)?.[1];
    expect(id).toBeDefined();
    const oldPid = bs.pid;
    await bs.kill();
    expect(await refuses(bs.port)).toBe(true);
    await bs.restart();
    expect(bs.pid).not.toBe(oldPid);
    expect(await beanstalk(bs.port, `peek ${id ?? ""}\r\n`, 12)).toBe(`FOUND ${id ?? ""} 4\r\nkept\r\n`);
  });
});

describe("startNatsServer", () => {
  it("starts with JetStream and keeps streams across kill + restart", async () => {
    await using nats = await startNatsServer({ jetstream: true });
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    let nc = await connect({ servers: nats.url });
    let jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "KEPT", subjects: ["kept"] });
    nc.publish("kept", "x");
    await nc.flush();
    await nc.close();

    await nats.kill();
    expect(await refuses(nats.port)).toBe(true);
    await nats.restart();

    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info("KEPT");
    expect(info.config.subjects).toEqual(["kept"]);
    await nc.close();
  });

  it("stop() ends the process gracefully", async () => {
    await using nats = await startNatsServer({ jetstream: false });
    await nats.stop();
    expect(await refuses(nats.port)).toBe(true);
  });
});

describe("missing binaries", () => {
  it("fail loudly with an install hint instead of skipping", async () => {
    const attempt = launch({
      binary: "x-no-such-server-binary",
      scheme: "none",
      installHint: "apt-get install -y x-no-such-server-binary",
      args: () => [],
    });
    await expect(attempt).rejects.toBeInstanceOf(MissingBinaryError);
    await expect(attempt).rejects.toThrow(/not found on PATH\. Install it: apt-get install/);
  });
});
