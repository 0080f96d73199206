/**
 * Bounded memory of messages already handled. MQTT QoS 1 delivers at least once, and
 * residual schemes (Q-GADMM's θ̂, DQ's e) diverge if an update is applied twice, so
 * receivers drop repeats keyed by (sender, round, phase, seq) — a residual scheme must never apply an update twice.
 *
 * Memory is capped at `capacity` keys; the least recently inserted are forgotten first.
 * A replay older than `capacity` newer messages would be accepted again, so size it for
 * a few rounds of a fleet (default 65 536 keys, a few MB).
 */
export class DedupeSet {
  readonly capacity: number;
  private readonly seen = new Set<string>();

  constructor(capacity = 65_536) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`DedupeSet capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.seen.size;
  }

  /** True the first time a key is offered (and records it), false for a repeat. */
  firstSeen(sender: string, round: number, phase: number, seq: number): boolean {
    const key = dedupeKey(sender, round, phase, seq);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      // Set iteration order is insertion order: the first key is the oldest.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }

  has(sender: string, round: number, phase: number, seq: number): boolean {
    return this.seen.has(dedupeKey(sender, round, phase, seq));
  }

  clear(): void {
    this.seen.clear();
  }
}

/** Sender ids cannot contain '/', so the key is unambiguous. */
function dedupeKey(sender: string, round: number, phase: number, seq: number): string {
  return `${sender}/${round}/${phase}/${seq}`;
}
