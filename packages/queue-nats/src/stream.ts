import { setTimeout as sleep } from "node:timers/promises";
import {
  AckPolicy,
  type ApiError,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type PubAck,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
} from "@nats-io/jetstream";
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  TimeoutError as NatsTimeoutError,
  NoRespondersError,
  nanos,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import { JobTooBigError } from "@x/message";
import { DeletionCheck, type RemovalState } from "./deletion-check.js";
import { mapNatsError, NatsQueueApiError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { Requester } from "./requester.js";
import { QueueSubjects } from "./subjects.js";

/** How long a pull waits at most when a band's jobs are all held (JetStream answers at once when it has none at all). */
const PULL_EXPIRES_MS = 250;

/** Tries of a publish that carries a message id. */
const PUBLISH_ATTEMPTS = 3;
/** Pause before the third try (the second goes at once), as the NATS client's own backoff. */
const PUBLISH_RETRY_DELAY_MS = 250;

/** What one stream-info call tells about the queue: message counts per subject. */
export type Overview = ReadonlyMap<string, number>;

interface PullWaiter {
  resolve(pulled: Pulled | undefined): void;
  reject(error: unknown): void;
}

/** A message pulled from a band consumer. */
export interface Pulled {
  readonly msg: Msg;
  readonly ackSubject: string;
}

/**
 * The JetStream calls of one queue: its stream, its band consumers, pulls, publishes and walks.
 * Every failure comes out as one of the toolkit's errors (see `mapNatsError`).
 */
export class QueueStream {
  readonly subjects: QueueSubjects;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #options: ResolvedOptions;
  readonly #consumers = new Map<number, Promise<void>>();
  readonly #pulls = new Map<number, PullWaiter[]>();
  /** The stream has one replica (as found or created when opened): any direct get is the leader's answer. */
  #singleCopy = false;
  readonly #requester: Requester;
  readonly #deletionCheck: DeletionCheck;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, options: ResolvedOptions, onRemovals: (state: RemovalState) => void) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#requester = new Requester(nc, options.requestTimeoutMs);
    this.#options = options;
    this.subjects = new QueueSubjects(options.queue);
    this.#deletionCheck = new DeletionCheck(() => this.#removals(), onRemovals);
  }

  /** Opens the queue's stream, creating it when it does not exist yet. */
  static async open(
    nc: NatsConnection,
    options: ResolvedOptions,
    onRemovals: (state: RemovalState) => void = () => undefined,
  ): Promise<QueueStream> {
    const jsm = await guard("connect", jetstreamManager(nc, { timeout: options.requestTimeoutMs }));
    const stream = new QueueStream(nc, jsm, options, onRemovals);
    await stream.#ensureStream();
    return stream;
  }

  async #ensureStream(): Promise<void> {
    const { stream, all } = this.subjects;
    try {
      const info = await this.#jsm.streams.info(stream);
      this.#singleCopy = info.config.num_replicas <= 1;
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
        throw mapNatsError("stream info", error);
    }
    await guard(
      "stream create",
      this.#jsm.streams.add({
        name: stream,
        subjects: [all],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        num_replicas: this.#options.replicas,
        duplicate_window: nanos(this.#options.duplicateWindowMs),
        allow_direct: true,
      }),
    );
    this.#singleCopy = this.#options.replicas <= 1;
  }

  /** Creates (or adjusts the lease of) the durable consumer of one band, once per adapter. */
  ensureConsumer(band: number): Promise<void> {
    let ready = this.#consumers.get(band);
    if (ready === undefined) {
      ready = this.#createConsumer(band);
      this.#consumers.set(band, ready);
      ready.catch(() => this.#consumers.delete(band));
    }
    return ready;
  }

  async #createConsumer(band: number): Promise<void> {
    const name = this.subjects.consumer(band);
    const ackWait = nanos(this.#options.leaseMs);
    try {
      const info = await this.#jsm.consumers.info(this.subjects.stream, name);
      if (info.config.ack_wait !== ackWait) {
        await guard("consumer update", this.#jsm.consumers.update(this.subjects.stream, name, { ack_wait: ackWait }));
      }
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
        throw mapNatsError("consumer info", error);
    }
    await guard(
      "consumer create",
      this.#jsm.consumers.add(this.subjects.stream, {
        durable_name: name,
        filter_subject: this.subjects.ready(band),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ackWait,
        max_ack_pending: -1,
        max_deliver: -1,
      }),
    );
  }

  /** Message counts per subject of the queue: which bands, delays and burials hold jobs. */
  async overview(): Promise<Overview> {
    const info = await guard("stream info", this.#jsm.streams.info(this.subjects.stream, { subjects_filter: this.subjects.overview }));
    return new Map(Object.entries(info.state.subjects ?? {}));
  }

  /** Jobs handed out and not yet acknowledged by one band, and the highest stream sequence it handed out. */
  async consumerState(band: number): Promise<{ readonly ackPending: number; readonly deliveredUpTo: number } | undefined> {
    try {
      const info = await this.#jsm.consumers.info(this.subjects.stream, this.subjects.consumer(band));
      return { ackPending: info.num_ack_pending, deliveredUpTo: info.delivered.stream_seq };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw mapNatsError("consumer info", error);
    }
  }

  /**
   * The next job of a band, or `undefined` at once when it has none ready. Pulls asked for in the
   * same turn of the event loop go out as one request for that many jobs (a worker's free slots
   * ask together), each caller getting one job or none.
   */
  pull(band: number): Promise<Pulled | undefined> {
    return new Promise<Pulled | undefined>((resolve, reject) => {
      let waiting = this.#pulls.get(band);
      if (waiting === undefined) {
        waiting = [];
        this.#pulls.set(band, waiting);
        setImmediate(() => {
          this.#pulls.delete(band);
          void this.#pullFor(band, waiting ?? []);
        });
      }
      waiting.push({ resolve, reject });
    });
  }

  async #pullFor(band: number, waiting: readonly PullWaiter[]): Promise<void> {
    try {
      await this.ensureConsumer(band);
      const pulled = await this.#pullBatch(band, waiting.length);
      waiting.forEach((waiter, i) => {
        waiter.resolve(pulled[i]);
      });
    } catch (error) {
      for (const waiter of waiting) waiter.reject(mapNatsError("pull", error));
    }
  }

  /** One pull request for up to `count` jobs; resolves with what came before JetStream said there were no more. */
  #pullBatch(band: number, count: number): Promise<Pulled[]> {
    const subject = `$JS.API.CONSUMER.MSG.NEXT.${this.subjects.stream}.${this.subjects.consumer(band)}`;
    // `expires` too: nats-server 2.9 can leave a bare no_wait request unanswered while other
    // pulls race it for the same message.
    const request = JSON.stringify({ batch: count, no_wait: true, expires: nanos(PULL_EXPIRES_MS) });
    const inbox = createInbox();
    return new Promise<Pulled[]>((resolve, reject) => {
      const pulled: Pulled[] = [];
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        if (!subscription.isClosed()) subscription.unsubscribe();
        if (error === undefined) resolve(pulled);
        else reject(error);
      };
      // A job that arrives after the timeout stays pending in JetStream and is handed out again after its lease.
      const timer = setTimeout(() => {
        finish(pulled.length > 0 ? undefined : new NatsTimeoutError());
      }, this.#options.requestTimeoutMs);
      const subscription = this.#nc.subscribe(inbox, {
        callback: (error, msg) => {
          if (error !== null) {
            finish(error);
            return;
          }
          const status = msg.headers?.code ?? 0;
          if (status >= 400 || msg.reply === undefined || msg.reply === "") {
            finish();
            return;
          }
          pulled.push({ msg, ackSubject: msg.reply });
          if (pulled.length >= count) finish();
        },
      });
      try {
        this.#nc.publish(subject, request, { reply: inbox });
      } catch (error) {
        finish(error instanceof Error ? error : new Error("publishing the pull request failed", { cause: error }));
      }
    });
  }

  /** Releases what the stream holds on the connection (which may be the caller's and stay open). */
  close(): void {
    this.#requester.close();
  }

  /** Sends an acknowledgement to JetStream and waits for its confirmation. */
  async acknowledge(ackSubject: string, body: string): Promise<void> {
    await guard("ack", this.#requester.request(ackSubject, body));
  }

  /** Stores a message (confirmed by JetStream); `msgID` makes JetStream refuse a repeat within its window. */
  async publish(subject: string, data: Uint8Array, headers?: MsgHdrs, msgID?: string): Promise<PubAck> {
    // The server refuses a message above its max_payload and the client drops the connection for it: refuse first.
    const limit = this.#nc.info?.max_payload;
    if (limit !== undefined && data.length > limit) throw new JobTooBigError(data.length, limit);
    let sent = headers;
    if (msgID !== undefined) {
      sent ??= natsHeaders();
      sent.set("Nats-Msg-Id", msgID);
    }
    // With a message id a repeat is harmless (JetStream drops it), so a publish that met a leader
    // election or a lost answer is sent again.
    const attempts = msgID === undefined ? 1 : PUBLISH_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      try {
        return pubAckOf(await this.#requester.request(subject, data, sent));
      } catch (error) {
        const retriable = error instanceof NatsTimeoutError || error instanceof NoRespondersError;
        if (!retriable || attempt >= attempts) throw mapNatsError("publish", error);
        await sleep(PUBLISH_RETRY_DELAY_MS * (attempt - 1));
      }
    }
  }

  /** The stored message at a stream sequence, or `null`. Read from the stream's leader. */
  async get(sequence: number): Promise<StoredMsg | null> {
    try {
      return await this.#jsm.streams.getMessage(this.subjects.stream, { seq: sequence });
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw mapNatsError("get", error);
    }
  }

  /**
   * Whether `delete()` removed the handed-out copy at a stream sequence (it marks such a copy, see
   * `markDeleted`), as the stream's leader knows it: the checks of the acknowledgements in flight
   * share one stream-info request (see `DeletionCheck`).
   */
  deleted(sequence: number): Promise<boolean> {
    return this.#deletionCheck.deleted(sequence);
  }

  /** Marks the handed-out copy at `sequence` as deleted, so its holder's acknowledgement fails (confirmed). */
  async markDeleted(sequence: number, at: number): Promise<void> {
    await this.publish(this.subjects.deletedMark(sequence, at), new Uint8Array(0));
  }

  /**
   * The stream's deletion marks, from the stream's leader (a replica answers neither a get nor
   * stream info; a stream without a leader is an error, never an empty answer).
   */
  async #removals(): Promise<RemovalState> {
    // Most of the time there is no mark at all: the leader's get of the last one says so in a few
    // bytes, where stream info sends the stream's whole configuration and cluster state.
    const last = (
      await guard(
        "get",
        this.#requester.request(
          `$JS.API.STREAM.MSG.GET.${this.subjects.stream}`,
          JSON.stringify({ last_by_subj: this.subjects.deletedAny }),
        ),
      )
    ).json<{ error?: ApiError }>();
    if (last.error?.err_code === JetStreamApiCodes.NoMessageFound) return { marks: new Map() };
    if (last.error !== undefined) throw mapNatsError("get", new JetStreamApiError(last.error));
    const reply = await guard(
      "stream info",
      this.#requester.request(`$JS.API.STREAM.INFO.${this.subjects.stream}`, JSON.stringify({ subjects_filter: this.subjects.deletedAny })),
    );
    const answer = reply.json<{
      error?: ApiError;
      state?: { subjects?: Record<string, number> };
      cluster?: { leader?: string };
    }>();
    if (answer.error !== undefined) throw mapNatsError("stream info", new JetStreamApiError(answer.error));
    if (answer.state === undefined || (!this.#singleCopy && (answer.cluster?.leader ?? "") === "")) {
      throw mapNatsError("stream info", new NoRespondersError(this.subjects.stream));
    }
    const marks = new Map<number, { subject: string; at: number }>();
    for (const subject of Object.keys(answer.state.subjects ?? {})) {
      const mark = this.subjects.deletedMarkOf(subject);
      if (mark !== undefined) marks.set(mark.sequence, { subject, at: mark.at });
    }
    return { marks };
  }

  /** The last message of a subject, or `null`. */
  async last(subject: string): Promise<StoredMsg | null> {
    try {
      return await this.#jsm.streams.getMessage(this.subjects.stream, { last_by_subj: subject });
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw mapNatsError("get", error);
    }
  }

  /** The first message at or after `sequence` on `subject` (wildcards allowed), or `null`. */
  async next(subject: string, sequence: number): Promise<StoredMsg | null> {
    try {
      return await this.#jsm.direct.getMessage(this.subjects.stream, { seq: Math.max(1, sequence), next_by_subj: subject });
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw mapNatsError("get", error);
    }
  }

  /** Removes the message at a stream sequence; `false` when it was already gone. */
  async remove(sequence: number): Promise<boolean> {
    try {
      return await this.#jsm.streams.deleteMessage(this.subjects.stream, sequence, false);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return false;
      // nats-server 2.9 answers the delete of a sequence that is already gone with 10057 (delete
      // failed) or, when another client removed it a moment before, 10043 (sequence not found).
      if (error instanceof JetStreamApiError && (error.code === 10057 || error.code === 10043)) return false;
      throw mapNatsError("delete", error);
    }
  }

  /** Removes every message of a subject but the last `keep`; resolves to how many went. */
  async purge(subject: string, keep = 0): Promise<number> {
    const response = await guard(
      "purge",
      this.#jsm.streams.purge(this.subjects.stream, { filter: subject, ...(keep > 0 ? { keep } : {}) }),
    );
    return response.purged;
  }
}

/** JetStream's answer to a publish: the PubAck, or its refusal as `JetStreamApiError`. */
function pubAckOf(reply: Msg): PubAck {
  const answer = reply.json<{ stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: ApiError }>();
  if (answer.error !== undefined) throw new JetStreamApiError(answer.error);
  if (answer.stream === undefined || answer.stream === "" || answer.seq === undefined) {
    throw new NatsQueueApiError("publish", undefined, "JetStream's answer is not a publish acknowledgement");
  }
  return {
    stream: answer.stream,
    seq: answer.seq,
    duplicate: answer.duplicate ?? false,
    ...(answer.domain === undefined ? {} : { domain: answer.domain }),
  };
}

/** Awaits a NATS call, mapping its failure onto the toolkit's errors. */
export async function guard<T>(operation: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw mapNatsError(operation, error);
  }
}
