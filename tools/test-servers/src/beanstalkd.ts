import { launch, type RunningServer } from "./server-process.js";

/** Options for {@link startBeanstalkd}. */
export interface BeanstalkdOptions {
  /** Keep a binlog in the server's temp data directory (`-b`), so jobs survive a restart. @default false */
  readonly binlog?: boolean;
  /** Maximum job size in bytes (`-z`). @default beanstalkd's own (65535) */
  readonly maxJobSize?: number;
  /** Extra command-line arguments passed to beanstalkd. @default [] */
  readonly args?: readonly string[];
}

/**
 * Starts a real `beanstalkd` on a free loopback port.
 *
 * @example
 * ```ts
 * await using bs = await startBeanstalkd({ binlog: true });
 * await bs.kill();     // SIGKILL
 * await bs.restart();  // same port, same binlog
 * ```
 */
export async function startBeanstalkd(options: BeanstalkdOptions = {}): Promise<RunningServer> {
  return launch({
    binary: "beanstalkd",
    scheme: "beanstalk",
    installHint: "apt-get install -y beanstalkd (Debian/Ubuntu) or https://beanstalkd.github.io/download.html",
    args: (port, dataDir) => [
      "-l",
      "127.0.0.1",
      "-p",
      String(port),
      ...(options.binlog === true ? ["-b", dataDir] : []),
      ...(options.maxJobSize === undefined ? [] : ["-z", String(options.maxJobSize)]),
      ...(options.args ?? []),
    ],
  });
}
