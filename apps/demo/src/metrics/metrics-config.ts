import { DemoConfigError } from '../config/demo-config.error.js';

/** Where the demo serves `GET /metrics`: its own listener, apart from the app's port. */
export interface MetricsConfig {
  /** `METRICS_PORT`; 0 picks a free port. */
  port: number;
  /** `METRICS_HOST`, default 127.0.0.1: keep it internal (a scraper on the same host or network). */
  host: string;
}

/**
 * `METRICS_PORT` unset (the default): no metrics at all, no meter provider. Set: the OpenTelemetry Prometheus
 * exporter's text on `http://METRICS_HOST:METRICS_PORT/metrics`, a listener of its own, so the app's public port
 * never serves it.
 */
export function metricsConfigFrom(env: NodeJS.ProcessEnv): MetricsConfig | undefined {
  const text = env.METRICS_PORT?.trim();
  if (text === undefined || text === '') return undefined;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(port) || port > 65_535) {
    throw new DemoConfigError(`METRICS_PORT must be a whole number from 0 to 65535, got "${text}"`);
  }
  return { port, host: env.METRICS_HOST?.trim() || '127.0.0.1' };
}
