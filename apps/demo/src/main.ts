import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { TokenAuthConfigError } from 'nestjs-token-auth';
import { DemoConfigError } from './config/demo-config.error.js';
import { loadDemoConfig } from './config/demo-config.js';
import { createDemoApp } from './create-demo-app.js';

async function bootstrap(): Promise<void> {
  const config = loadDemoConfig();
  // Logs are held until startup succeeds, so that a configuration error prints as one line, not a stack trace.
  const app = await createDemoApp(config, { bufferLogs: true, autoFlushLogs: false });
  app.flushLogs();
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.port, config.host);
  new Logger('Demo').log(`listening on ${await app.getUrl()} (${config.adapter}, database ${config.dbPath})`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof TokenAuthConfigError || error instanceof DemoConfigError) {
    console.error(`demo: cannot start: ${error.message}`);
  } else {
    console.error('demo: cannot start:', error);
  }
  process.exit(1);
});
