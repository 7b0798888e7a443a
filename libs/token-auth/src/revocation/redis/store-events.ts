import type { RevocationKind, SecurityEvent, SecurityEventSink } from '../../events/security-event.js';
import type { Revocation } from '../revocation-set.js';

/**
 * Where the Redis store's parts report what they live through, once the module connects a sink (`observe`); until
 * then, and for a store used without the module, nothing is reported. Also remembers whether the store was
 * reported stale, so that the first synchronisation at startup is not reported as a recovery.
 */
export class StoreEvents {
  private sink?: SecurityEventSink;
  private staleReported = false;

  constructor(private readonly clock: () => number) {}

  observe(sink: SecurityEventSink): void {
    this.sink = sink;
  }

  get now(): number {
    return this.clock();
  }

  emit(event: SecurityEvent): void {
    this.sink?.emit(event);
  }

  stale(reason: string): void {
    this.staleReported = true;
    this.emit({ type: 'store.stale', time: this.clock(), reason });
  }

  recovered(staleForMs: number, writtenBack: number): void {
    if (!this.staleReported) return;
    this.staleReported = false;
    this.emit({ type: 'store.recovered', time: this.clock(), staleForMs, writtenBack });
  }
}

/** A revocation's ids as an event names them: a session's id, a user's subject; a single token's id is left out. */
export function revocationIds(write: Revocation): { kind: RevocationKind; subject?: string; sessionId?: string } {
  if (write.kind === 'session') return { kind: 'session', sessionId: write.id };
  if (write.kind === 'user') return { kind: 'user', subject: write.id };
  return { kind: 'token' };
}
