import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';

/**
 * An OpenTelemetry `MeterProvider` (from `@opentelemetry/sdk-metrics`, or `metrics.getMeterProvider()` of
 * `@opentelemetry/api`), typed by the one method the module calls, so that apps without OpenTelemetry need none
 * of its types.
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): unknown;
}

/** `TokenAuthModule.forRoot({ ..., metrics: { meterProvider } })`. */
export interface TokenAuthMetricsOptions {
  /**
   * Where the module's instruments are made. Default: the global provider of `@opentelemetry/api` (registered by
   * the OpenTelemetry SDK before the app starts), when the package is installed.
   */
  meterProvider?: MeterProviderLike;
}

/** Undefined: the global provider; false: no metrics. */
export function resolveMetricsOptions(
  options: TokenAuthMetricsOptions | false | undefined,
): TokenAuthMetricsOptions | false {
  if (options === false) return false;
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TokenAuthConfigError('metrics must be false, or an object such as { meterProvider }, or left out');
  }
  const provider = options.meterProvider;
  if (provider !== undefined && typeof provider?.getMeter !== 'function') {
    throw new TokenAuthConfigError('metrics.meterProvider must be an OpenTelemetry MeterProvider (with getMeter)');
  }
  return { ...options };
}
