/** What the stream's leader said about deleted copies, in one answer. */
export interface RemovalState {
  /** Deletion marks: the sequence of each handed-out copy `delete()` removed, and the mark's subject and wall time. */
  readonly marks: ReadonlyMap<number, { readonly subject: string; readonly at: number }>;
}

interface Waiting {
  readonly sequence: number;
  readonly resolve: (deleted: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Answers "did `delete()` remove the copy at this sequence?" for every acknowledgement in flight
 * with one request to the stream's leader, instead of one each. A check asked for while a request
 * is on its way waits for the next one: an answer the leader may have given before a `delete()`
 * completed must not clear an acknowledgement asked for after it.
 */
export class DeletionCheck {
  readonly #ask: () => Promise<RemovalState>;
  readonly #onAnswer: (state: RemovalState) => void;
  #waiting: Waiting[] = [];
  #asking = false;

  constructor(ask: () => Promise<RemovalState>, onAnswer: (state: RemovalState) => void = () => undefined) {
    this.#ask = ask;
    this.#onAnswer = onAnswer;
  }

  /** Whether the copy at `sequence` carries a deletion mark, as the stream's leader knows it now or later. */
  deleted(sequence: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#waiting.push({ sequence, resolve, reject });
      // The checks of one turn of the event loop (a worker's slots finishing together) go as one.
      if (!this.#asking) {
        this.#asking = true;
        setImmediate(() => {
          this.#next();
        });
      }
    });
  }

  #next(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length === 0) {
      this.#asking = false;
      return;
    }
    this.#ask().then(
      (state) => {
        for (const { sequence, resolve } of batch) resolve(state.marks.has(sequence));
        this.#onAnswer(state);
        this.#next();
      },
      (error: unknown) => {
        for (const { reject } of batch) reject(error);
        this.#next();
      },
    );
  }
}
