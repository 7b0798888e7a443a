/**
 * The module's OpenTelemetry instruments, named in the semantic-convention style: a `token_auth.` namespace, dots
 * between levels, units in `unit` rather than in the name, no `_total` (a Prometheus exporter adds it). A Prometheus
 * exporter turns the dots into underscores: `token_auth.verifications` is scraped as `token_auth_verifications_total`.
 */
export const METRIC = {
  /** Observable counter: access-token verifications by `token_auth.outcome` (`ok` or the refusal code). */
  verifications: 'token_auth.verifications',
  /** Observable counter: verifications answered from the verified-token cache. */
  cacheHits: 'token_auth.verify_cache.hits',
  /** Histogram (s): refresh latency by `token_auth.outcome` (`rotated`, `replayed`, `reused` or the refusal code). */
  refreshDuration: 'token_auth.refresh.duration',
  /** Histogram (s): revocation latency by `token_auth.revocation.kind` and `token_auth.revocation.persisted`. */
  revocationDuration: 'token_auth.revocation.duration',
  /** Observable gauge: revocations the shared store has not confirmed yet, queued for it. */
  revocationsQueued: 'token_auth.revocation.queued',
  /** Observable gauge: revocations held in this instance's replica by `token_auth.revocation.kind`. */
  replicaSize: 'token_auth.revocation_store.replica.size',
  /** Observable gauge (s): how long the shared store has been unreachable; 0 while it answers. */
  storeStaleness: 'token_auth.revocation_store.staleness',
  /** Observable gauge (s): time since the key ring was last loaded successfully. */
  keyRingAge: 'token_auth.key_ring.age',
  /** Observable counter: security events dropped because the delivery buffer was full. */
  eventsDropped: 'token_auth.events.dropped',
  /** Observable counter: failures of event subscribers and outlets (each cause logged once). */
  subscriberFailures: 'token_auth.events.subscriber_failures',
} as const;

/** Attribute names. */
export const ATTRIBUTE = {
  outcome: 'token_auth.outcome',
  revocationKind: 'token_auth.revocation.kind',
  persisted: 'token_auth.revocation.persisted',
} as const;

/** Seconds: from a map lookup to a Redis write that times out. */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
