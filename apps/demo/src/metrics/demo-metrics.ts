import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { MetricsConfig } from './metrics-config.js';

/**
 * The demo's OpenTelemetry metrics: a `MeterProvider` whose one reader is the Prometheus exporter, handed to
 * `TokenAuthModule` (its `metrics.meterProvider` option), and a listener of its own answering `GET /metrics` with
 * the exporter's text. Without `METRICS_PORT` there is neither: the library then has no meter provider and only
 * increments its in-memory counters.
 */
export class DemoMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly meterProvider?: MeterProvider;
  private readonly exporter?: PrometheusExporter;
  private server?: Server;
  /** `http://host:port/metrics` once listening. */
  url?: string;

  constructor(private readonly config: MetricsConfig | undefined) {
    if (config === undefined) return;
    // Served by the listener below rather than the exporter's own, which cannot pick a free port and say which.
    this.exporter = new PrometheusExporter({ preventServerStart: true });
    this.meterProvider = new MeterProvider({ readers: [this.exporter] });
  }

  async onApplicationBootstrap(): Promise<void> {
    const exporter = this.exporter;
    if (this.config === undefined || exporter === undefined) return;
    const server = createServer((request, response) => {
      if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') {
        exporter.getMetricsRequestHandler(request, response);
        return;
      }
      response.statusCode = 404;
      response.end('not found: GET /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config!.port, this.config!.host, () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `http://${this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host}:${port}/metrics`;
    new Logger('Metrics').log(`metrics on ${this.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await this.meterProvider?.shutdown();
  }
}
