import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SecurityEventBus } from './security-event-bus.js';
import type { SecurityEvent } from './security-event.js';

/** Event names on `@nestjs/event-emitter` are the event's `type` after this prefix: `token_auth.session.revoked`. */
export const SECURITY_EVENT_PREFIX = 'token_auth.';

/** The part of EventEmitter2 the bridge uses. */
interface Emitter {
  emit(event: string, payload: SecurityEvent): unknown;
}

/**
 * The app's `EventEmitter2`, when it has `@nestjs/event-emitter` installed and `EventEmitterModule.forRoot()`
 * imported; undefined otherwise. The package is looked up at run time, so it is not a dependency.
 */
export async function findEventEmitter(moduleRef: ModuleRef): Promise<Emitter | undefined> {
  let token: unknown;
  try {
    // A variable, so that bundlers and the compiler leave the optional package alone.
    const name = '@nestjs/event-emitter';
    token = ((await import(name)) as { EventEmitter2?: unknown }).EventEmitter2;
  } catch {
    return undefined;
  }
  if (typeof token !== 'function') return undefined;
  try {
    const emitter = moduleRef.get<unknown, unknown>(token as new () => unknown, { strict: false }) as Emitter;
    return typeof emitter?.emit === 'function' ? emitter : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the app has `@nestjs/event-emitter`, every security event is emitted there too, as
 * `token_auth.<type>` (`@OnEvent('token_auth.session.reuse_detected')`; with `wildcard: true`,
 * `@OnEvent('token_auth.**')`), with the same isolation: after the request, and a listener that throws is logged
 * once per cause.
 */
@Injectable()
export class EventEmitterBridge implements OnApplicationBootstrap {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly bus: SecurityEventBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const emitter = await findEventEmitter(this.moduleRef);
    if (emitter === undefined) return;
    this.bus.addOutlet({
      name: '@nestjs/event-emitter',
      deliver: (event) => void emitter.emit(SECURITY_EVENT_PREFIX + event.type, event),
    });
  }
}
