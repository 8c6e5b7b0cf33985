import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../src/index.js";

/** An echo server: what the proxy forwards comes straight back. */
async function startEcho(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 };
}

async function connectTo(proxy: TcpProxy): Promise<Socket> {
  const socket = createConnection({ host: proxy.host, port: proxy.port });
  await once(socket, "connect");
  return socket;
}

/** Resolves with the next data chunk, or "nothing" once the event loop has gone round a few times. */
async function nextChunk(socket: Socket, turns: number): Promise<string> {
  return new Promise((resolve) => {
    let left = turns;
    const tick = (): void => {
      if (--left <= 0) {
        socket.off("data", onData);
        resolve("nothing");
      } else setTimeout(tick, 10);
    };
    const onData = (chunk: Buffer): void => {
      resolve(chunk.toString());
    };
    socket.once("data", onData);
    setTimeout(tick, 10);
  });
}

describe("startTcpProxy", () => {
  let echo: { server: Server; port: number };
  let proxy: TcpProxy;
  beforeEach(async () => {
    echo = await startEcho();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: echo.port });
  });
  afterEach(async () => {
    await proxy.close();
    echo.server.close();
  });

  it("forwards both ways, holds everything while stalled and delivers it on resume", async () => {
    const socket = await connectTo(proxy);
    socket.write("one");
    expect(await nextChunk(socket, 200)).toBe("one");

    proxy.stall();
    socket.write("two");
    expect(await nextChunk(socket, 20)).toBe("nothing");
    expect(proxy.connections).toBe(1);

    const delivered = nextChunk(socket, 200);
    proxy.resume();
    expect(await delivered).toBe("two");
    socket.destroy();
  });

  it("reset closes the client's connection and still accepts new ones", async () => {
    const socket = await connectTo(proxy);
    // The client sees a reset: an error event, then close.
    socket.on("error", () => undefined);
    const closed = new Promise<void>((resolve) =>
      socket.once("close", () => {
        resolve();
      }),
    );
    proxy.reset();
    await closed;
    expect(proxy.connections).toBe(0);

    const again = await connectTo(proxy);
    again.write("back");
    expect(await nextChunk(again, 200)).toBe("back");
    again.destroy();
  });
});
