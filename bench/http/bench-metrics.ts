import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * The demo's metrics set-up (apps/demo/src/metrics/demo-metrics.ts) for the benchmark app: one `MeterProvider`
 * whose reader is the Prometheus exporter. Nothing listens: `scrape()` runs the exporter's request handler against
 * a stand-in response, which is all a `GET /metrics` does besides the socket (collect every instrument, the
 * module's observable callbacks among them, and write the text), and resolves the text's length.
 */
export function benchMeterProvider(): { meterProvider: MeterProvider; scrape: () => Promise<number> } {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const scrape = () =>
    new Promise<number>((resolve) => {
      const response = { statusCode: 0, setHeader: () => undefined, end: (text: string) => resolve(text.length) };
      exporter.getMetricsRequestHandler({} as IncomingMessage, response as unknown as ServerResponse);
    });
  return { meterProvider, scrape };
}
