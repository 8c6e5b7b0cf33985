import { fileURLToPath } from "node:url";
import { startNatsServer } from "@x/test-servers";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

// What each ```ts block of the README prints, in order (the README shows the same under "Output").
const expected = [
  "email to mark@example.com: parcel p-1 is on its way (attempt 1)\n",
  "card ending 1111\n",
  'max-attempts 2 Error: card declined {"order":"o-7"}\n',
  "acked\n",
  "ship-order handled event #1\nevent received, event processed true\n",
  "1 tick, on a whole second: true\n",
  "tracked p-1\nacked, acked\n",
  "report.pdf: 1930245432\n",
  'flowchart LR\n  subgraph service_shop["shop"]\n  end\n  subgraph service_warehouse["warehouse"]\n    service_warehouse_actor_ship["ship"]\n  end\n  event_order_2d_placed(["order-placed"])\n  service_shop --> event_order_2d_placed\n  event_order_2d_placed --> service_warehouse_actor_ship\n\nshop.emit.order-placed, warehouse.ship.order-placed\n',
  "user-signed-up { user: 'ada' }\n",
  "lamp: 400 cents\n",
  "resized cat.png\nacked\nstopped\n",
  "due 2024-01-31T00:00:00.000Z, from billing, attempt 1\n",
];

let server: Awaited<ReturnType<typeof startNatsServer>>;
beforeAll(async () => {
  server = await startNatsServer();
  process.env.NATS_URL = server.url; // the snippets read it; runTsSnippet's child inherits it
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describeReadmeExamples({ packageDir, expected });
