/// <reference types="node" preserve="true" />
// The declarations use Node's types (Buffer, node:crypto, node:http): an app with a restricted `types` list still
// gets them.
export { TokenAuthModule } from './token-auth.module.js';
export { ManualClock, MANUAL_CLOCK_START } from './testing/manual-clock.js';
export type { TokenAuthTestingOptions } from './testing/testing-module.js';
export {
  OPTIONS_TYPE as TokenAuthModuleSyncOptions,
  ASYNC_OPTIONS_TYPE as TokenAuthModuleAsyncOptions,
} from './options/module-definition.js';
export {
  TOKEN_AUTH_OPTIONS,
  type TokenAuthModuleOptions,
  type ResolvedTokenAuthOptions,
} from './options/token-auth.options.js';
export { IS_PUBLIC_KEY, IS_OPTIONAL_AUTH_KEY } from './decorators/route-metadata.js';
export type { IssueOptions, IssuedToken, TokenPair, PairOptions } from './issuing/issued-token.js';
export type { RevocableToken } from './sessions/token-revoker.js';
export type { RevokeSessionOptions, SessionRevocationResult, VerifiedSession } from './sessions/token-revoker.js';
export type {
  ListSessionsOptions,
  OtherSessionsRevocation,
  SessionInfo,
  StartedSession,
} from './sessions/session-directory.js';
export type { SessionDevice, SessionEntry, SessionIpMode } from './revocation/session-entry.js';
export { TokenService } from './token.service.js';
export {
  REVOCATION_STORE,
  type RevocationStore,
  type RevocationCheck,
  type RevocationResult,
  type RevocationStoreHealth,
  type RevocationWindow,
  type RotationOutcome,
  type SessionOwner,
  type SessionRotation,
} from './revocation/revocation-store.interface.js';
export { MemoryRevocationStore, type MemoryRevocationStoreOptions } from './revocation/memory.revocation-store.js';
export { TokenAuthGuard, type RouteAccess, type TokenAuthRequest } from './token-auth.guard.js';
export { TokenCookies, TOKEN_COOKIE_NAMES, type CookieToken, type TokenCookieKind } from './cookies/token-cookies.js';
export type { TokenAuthCookieOptions } from './options/cookie-options.js';
export { WsTokenAuth, WS_CLOSE_UNAUTHORIZED, type AuthenticatedSocket } from './websocket/ws-token-auth.js';
export { Public } from './decorators/public.decorator.js';
export { OptionalAuth } from './decorators/optional-auth.decorator.js';
export { CurrentUser, CurrentClaims, type CurrentUserDecorator } from './decorators/current-user.decorator.js';
export type { ResolveUser } from './options/authorization-options.js';
export { RequireFreshLogin } from './decorators/require-fresh-login.decorator.js';
export { FRESH_LOGIN_KEY } from './decorators/route-metadata.js';
export { FreshLoginRequiredError } from './errors/fresh-login-required.error.js';
export { AUTH_TIME_CLAIM, authTimeOf } from './format/auth-time.js';
export { TokenAuthError, type TokenAuthErrorCode } from './errors/token-auth.error.js';
export { TokenAuthConfigError } from './errors/token-auth-config.error.js';
export { toHttpException } from './errors/token-auth-http.exception.js';
export { TokenAuthExceptionFilter } from './http/token-auth-exception.filter.js';
export type { HttpRequestLike, HttpResponseLike } from './http/http-message.js';
export type { TokenClaims, AuthenticatedUser } from './format/token-claims.js';
export type { VerificationFacts } from './verification/attenuated-tokens.js';
export type { Caveat } from './format/caveats.js';
export type { EffectiveCaveats } from './format/effective-caveats.js';
export type { RequestFacts } from './format/request-path.js';
export { ATTENUATED_PREFIX, MAX_ATTENUATED_TOKEN_LENGTH, type HttpMethod } from './format/caveat-format.js';
export { MAX_TOKEN_LENGTH, TOKEN_PREFIX, type TokenPurposeName } from './format/token-format.js';
export {
  KeyRing,
  deriveKeyId,
  type KeyRingOptions,
  type KeySpec,
  type KeyState,
  type RingKey,
  type KeyDescription,
} from './keys/key-ring.js';
export { KEY_PROVIDER, type KeyProvider } from './keys/key-provider.interface.js';
export { KeyRingManager, type KeyRingHealth } from './keys/key-ring-manager.js';
export {
  tokenAuthHealthSummary,
  type TokenAuthHealthSummary,
  type TokenAuthHealthSummaryOptions,
  type TokenAuthHealthStatus,
} from './terminus/health-summary.js';
export { EnvKeyProvider, type EnvKeyProviderOptions } from './keys/env.key-provider.js';
export { StaticKeyProvider, type StaticKeyProviderOptions } from './keys/static.key-provider.js';
export { FileKeyProvider, type FileKeyProviderOptions } from './keys/file.key-provider.js';
export {
  rotateRing,
  defaultGracePeriod,
  createRing,
  readRingDocument,
  serializeRing,
  KeyRotationError,
  type RingDocument,
  type StoredKey,
  type RotateRingOptions,
  type RotationResult,
} from './keys/rotation/rotate-ring.js';
export { generateKey } from './keys/generate-key.js';
export { formatCompactRing, parseKeyRingText } from './keys/key-ring-text.js';
export { KEY_TEXT_PREFIX, parseKeyText } from './keys/key-text.js';
export { wrapKeyRingText, type WrappedRing } from './keys/wrap-ring.js';
export { SecurityEvents, type SecurityEventDeliveryStats } from './events/security-events.js';
export {
  SECURITY_EVENT_TYPES,
  type SecurityEvent,
  type SecurityEventType,
  type SecurityEventSink,
  type RevokedBy,
  type RevocationKind,
  type SignInDevice,
  type SignedInEvent,
  type RefreshedEvent,
  type RefreshReplayedEvent,
  type ReuseDetectedEvent,
  type SessionRevokedEvent,
  type TokenRevokedEvent,
  type UserSessionsRevokedEvent,
  type RevocationQueuedEvent,
  type RevocationWrittenEvent,
  type RevocationLostEvent,
  type StoreStaleEvent,
  type StoreRecoveredEvent,
  type StoreResetEvent,
  type KeyRingRefreshedEvent,
  type KeyRingRefreshFailedEvent,
  type KeyRingStaleEvent,
  type KeyRotatedEvent,
  type KeyRetiredEvent,
} from './events/security-event.js';
export { SECURITY_EVENT_PREFIX } from './events/event-emitter-bridge.js';
export type { TokenAuthCountersSnapshot, RefreshOutcome } from './events/token-auth-counters.js';
export type { RevocationContext } from './sessions/token-revoker.js';
export type { MeterProviderLike, TokenAuthMetricsOptions } from './options/metrics-options.js';
export { METRIC as TOKEN_AUTH_METRICS, ATTRIBUTE as TOKEN_AUTH_METRIC_ATTRIBUTES } from './metrics/metric-names.js';
