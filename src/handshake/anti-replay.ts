// 0-RTT replay protection (RFC 8446 §8): a server-owned record of the tickets whose early data was
// accepted. Each ticket is accepted for early data at most once while it lives; entries leave the
// record when the ticket expires. The record is bounded: when it is full of live entries, early data
// is refused (the handshake still completes in 1-RTT), never accepted unchecked.
//
// It protects one server process (or every server sharing this object). Servers behind a load
// balancer that share ticket keys but not this record can each accept the same early data once.

/** Tolerance for the client's view of the ticket age (RFC 8446 §8.3 freshness check), milliseconds. */
const DEFAULT_AGE_TOLERANCE_MS = 10_000;

export class EarlyDataReplayGuard {
  /** ticket id (hex) → expiry time (ms since the epoch) */
  private readonly seen = new Map<string, number>();

  /**
   * `capacity`: the most tickets remembered at once. `ageToleranceMs`: how far the client's ticket age
   * may differ from the server's before early data is refused.
   */
  constructor(
    readonly capacity = 100_000,
    readonly ageToleranceMs = DEFAULT_AGE_TOLERANCE_MS,
  ) {}

  /**
   * Records `ticketId` as used for early data until `expiresAt`; true when it had not been seen (the
   * early data may be accepted), false for a replay or when the record is full.
   */
  firstUse(ticketId: Uint8Array, now: number, expiresAt: number): boolean {
    const key = hex(ticketId);
    const prior = this.seen.get(key);
    if (prior !== undefined && prior > now) return false;
    if (prior !== undefined) this.seen.delete(key);
    if (this.seen.size >= this.capacity) this.purge(now);
    if (this.seen.size >= this.capacity) return false;
    this.seen.set(key, expiresAt);
    return true;
  }

  /** Entries currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  private purge(now: number): void {
    for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
