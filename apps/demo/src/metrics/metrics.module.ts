import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DemoMetrics } from './demo-metrics.js';
import { metricsConfigFrom } from './metrics-config.js';

/** `DemoMetrics`, injectable everywhere (the token-auth options factory takes its meter provider). */
@Global()
@Module({})
export class MetricsModule {
  /** Reads `METRICS_PORT` and `METRICS_HOST`; a bad value stops startup with a message naming it. */
  static forRoot(env: NodeJS.ProcessEnv): DynamicModule {
    const config = metricsConfigFrom(env);
    return {
      module: MetricsModule,
      providers: [{ provide: DemoMetrics, useFactory: () => new DemoMetrics(config) }],
      exports: [DemoMetrics],
    };
  }
}
