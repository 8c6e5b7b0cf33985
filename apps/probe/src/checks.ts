/**
 * An example checks module for x-probe: an HTTP check, a TCP check, a Nagios-style plugin and a
 * function check. Targets come from the environment so the same module runs anywhere:
 *
 *   PROBE_HTTP_URL     the page to request          (default http://127.0.0.1:8080/health)
 *   PROBE_TCP_ADDRESS  HOST:PORT to connect to      (default 127.0.0.1:5432)
 *   PROBE_DISK_PATH    mount point for the plugin   (default /)
 *   PROBE_DISK_WARN    warning threshold, % used    (default 80)
 *   PROBE_DISK_CRIT    critical threshold, % used   (default 90)
 */
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { type Check, createMessage, functionCheck, httpCheck, nagiosCheck, tcpCheck } from "@x/probe";

const location = { host: hostname() };
const httpUrl = process.env.PROBE_HTTP_URL ?? "http://127.0.0.1:8080/health";
const [tcpHost = "127.0.0.1", tcpPort = "5432"] = (process.env.PROBE_TCP_ADDRESS ?? "127.0.0.1:5432").split(/:(?=\d+$)/);
// The plugin sits next to src/ and dist/, so this path works from both.
const diskPlugin = fileURLToPath(new URL("../plugins/check_disk_usage.sh", import.meta.url));

export const CHECKS: Check[] = [
  httpCheck(httpUrl, { aspect: "web", intervalMs: 30_000, timeoutMs: 5_000, bodyMatch: "ok", location }),
  tcpCheck({ host: tcpHost, port: Number(tcpPort) }, { aspect: "database", intervalMs: 10_000, timeoutMs: 5_000, location }),
  nagiosCheck(
    ["/bin/sh", diskPlugin, process.env.PROBE_DISK_WARN ?? "80", process.env.PROBE_DISK_CRIT ?? "90", process.env.PROBE_DISK_PATH ?? "/"],
    {
      aspect: "disk",
      intervalMs: 60_000,
      timeoutMs: 10_000,
      location,
    },
  ),
  functionCheck(
    () => {
      const memory = process.memoryUsage();
      return createMessage({
        aspect: "probe_memory",
        location,
        values: { rss: { value: memory.rss, unit: "B" }, heap_used: { value: memory.heapUsed, unit: "B" } },
      });
    },
    { intervalMs: 60_000 },
  ),
];
