import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';
import { DATABASE } from './database.constants.js';
import { openDatabase } from './open-database.js';

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      useFactory: (config: DemoConfig) => openDatabase(config.dbPath),
      inject: [DEMO_CONFIG],
    },
  ],
  exports: [DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database.Database) {}

  /** The last hook of `app.close()`: the HTTP server has stopped, so no request can still use the database. */
  onApplicationShutdown(): void {
    if (!this.db.open) return;
    this.db.close();
    new Logger('Database').log('closed');
  }
}
