import { Global, Module } from '@nestjs/common';
import { HttpDrain } from './http-drain.js';
import { ShutdownState } from './shutdown-state.js';

/** Orderly shutdown on SIGTERM: see `HttpDrain`. */
@Global()
@Module({ providers: [ShutdownState, HttpDrain], exports: [ShutdownState] })
export class ShutdownModule {}
