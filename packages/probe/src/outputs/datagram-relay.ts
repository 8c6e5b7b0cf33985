/**
 * Node (20) cannot create or send to a unix datagram socket, and seismometer's unix input is one.
 * The unix datagram output hands each message to one long-lived `python3` child that sends it
 * with `sendto` and answers, per message, whether the kernel took it: so the output still counts
 * what was sent and what was lost, exactly as the UDP output does.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The interpreter the relay runs on when `relayCommand` is not given. */
export const DEFAULT_RELAY_COMMAND = "python3";

/** Which program relays the datagrams: a long-lived python3 script, or one socat per message. */
export type DatagramRelay = "python3" | "socat";

/** The relays, in the order they are preferred. */
export const DATAGRAM_RELAYS: readonly DatagramRelay[] = ["python3", "socat"];

/** Characters socat reads as address syntax: a socket path holding one cannot be given to it. */
const SOCAT_SPECIAL = /[,:!\\"'\s]/;

/** Whether socat can be given `path` as a `UNIX-SENDTO` address. */
export function socatCanAddress(path: string): boolean {
  return !SOCAT_SPECIAL.test(path);
}

/** The relay an output will use, and its executable. */
export interface RelayChoice {
  readonly relay: DatagramRelay;
  readonly command: string;
}

/**
 * Picks the relay for a socket path: the one asked for (`relay`, or python3 when only
 * `relayCommand` is given), else python3 when it is on PATH, else socat when it is and can take
 * the path. `undefined` when none can run.
 */
export function chooseDatagramRelay(
  path: string,
  options: {
    readonly relay?: DatagramRelay | undefined;
    readonly relayCommand?: string | undefined;
    readonly searchPath: string | undefined;
  },
): RelayChoice | undefined {
  const { relay, relayCommand, searchPath } = options;
  const find = (wanted: DatagramRelay, command: string): RelayChoice | undefined => {
    if (wanted === "socat" && !socatCanAddress(path)) return undefined;
    const found = findExecutable(command, searchPath);
    return found === undefined ? undefined : { relay: wanted, command: found };
  };
  if (relay !== undefined) return find(relay, relayCommand ?? relay);
  if (relayCommand !== undefined) return find("python3", relayCommand);
  return find("python3", DEFAULT_RELAY_COMMAND) ?? find("socat", "socat");
}

/**
 * The relay. Input on stdin: per message a 4-byte big-endian length and the bytes, sent as one
 * datagram to `argv[1]`. Output on stdout: one line per message, in order, `ok` or
 * `error <ERRNO>: <text>`. A send that blocks longer than `argv[2]` seconds (a receiver that stopped
 * reading) fails with ETIMEDOUT instead of stalling every later message. It ends when stdin does,
 * so it never outlives the process that started it.
 */
export const RELAY_SCRIPT = `import errno, socket, struct, sys
path, timeout = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.settimeout(timeout)
stdin, out = sys.stdin.buffer, sys.stdout
def take(n):
    data = stdin.read(n)
    if len(data) < n: sys.exit(0)
    return data
while True:
    data = take(struct.unpack(">I", take(4))[0])
    try:
        s.sendto(data, path)
        out.write("ok\\n")
    except socket.timeout:
        out.write("error ETIMEDOUT: the receiver took no datagram for %ss\\n" % timeout)
    except OSError as e:
        out.write("error %s: %s\\n" % (errno.errorcode.get(e.errno, "E?"), e.strerror))
    out.flush()
`;

/** The relay's answer for one message. */
export type RelayAnswer = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Reads one answer line of {@link RELAY_SCRIPT}. */
export function parseRelayAnswer(line: string): RelayAnswer {
  if (line === "ok") return { ok: true };
  return {
    ok: false,
    reason: line.startsWith("error ") ? line.slice("error ".length) : `unexpected relay output ${JSON.stringify(line.slice(0, 200))}`,
  };
}

/** One message framed for the relay's stdin. */
export function frameDatagram(datagram: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(datagram.length, 0);
  return Buffer.concat([header, datagram]);
}

/**
 * Where `command` would be found: itself when it is a path, else the first executable of that
 * name on `searchPath` (PATH). `undefined` when there is none.
 */
export function findExecutable(command: string, searchPath: string | undefined): string | undefined {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return executable(command) ? command : undefined;
  for (const dir of (searchPath ?? "").split(delimiter)) {
    if (dir !== "" && executable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}
