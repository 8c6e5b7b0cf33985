import type { Connection } from "./protocol/connection.js";

/**
 * The sockets for reserves that wait. beanstalkd serves a connection's commands in order, so a
 * waiting `reserve` would hold up anything queued behind it, and a reservation belongs to the
 * socket that made it. Hence one connection per waiting `reserve()` call, kept by its reservation
 * until it is settled, then reused. The pool only grows to the caller's peak of waiting calls.
 */
export class ReserverPool {
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  /** How many live reservations (and prefetches) keep each busy connection. */
  readonly #holds = new Map<Connection, number>();
  readonly #create: (label: string) => Connection;
  #next = 1;

  constructor(create: (label: string) => Connection) {
    this.#create = create;
  }

  /** Number of reserving connections, idle or busy. */
  get size(): number {
    return this.#all.size;
  }

  /** Number of reserving connections with an open socket (each watches the tube). */
  get openCount(): number {
    let open = 0;
    for (const connection of this.#all) if (connection.current) open++;
    return open;
  }

  /** An idle connection (the most recently used, likely still open), or a new one. */
  acquire(): Connection {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const created = this.#create(`reserver-${this.#next++}`);
    this.#all.add(created);
    return created;
  }

  /** Back to the pool for the next `reserve()`. */
  release(connection: Connection): void {
    if (connection.isClosed || !this.#all.has(connection)) return;
    this.#idle.push(connection);
  }

  /** One more reservation (or prefetch) keeps the connection busy. Connections of other pools are ignored. */
  hold(connection: Connection): void {
    if (!this.#all.has(connection)) return;
    this.#holds.set(connection, (this.#holds.get(connection) ?? 0) + 1);
  }

  /** One less; with none left the connection goes back to the pool (a socket holding jobs must not block in reserve). */
  unhold(connection: Connection): void {
    if (!this.#all.has(connection)) return;
    const left = (this.#holds.get(connection) ?? 1) - 1;
    if (left > 0) {
      this.#holds.set(connection, left);
      return;
    }
    this.#holds.delete(connection);
    this.release(connection);
  }

  /** Closes the connection for good and forgets it. */
  discard(connection: Connection): void {
    connection.close();
    this.#all.delete(connection);
    this.#holds.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  /** Closes every connection, idle or busy. */
  closeAll(): void {
    for (const connection of this.#all) connection.close();
    this.#all.clear();
    this.#holds.clear();
    this.#idle.length = 0;
  }
}
