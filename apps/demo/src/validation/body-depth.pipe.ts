import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { MAX_BODY_DEPTH } from './body-limits.js';

/** True when `value` nests objects or arrays deeper than `limit`; walks with its own stack, never recursing. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Runs before `ValidationPipe`, whose class-transformer step recurses once per level: a deeply nested body would
 * overflow the stack (a 500) and hold the event loop. Here it is a 400, in time linear in the (size-capped) body.
 */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && nestsDeeperThan(value, MAX_BODY_DEPTH)) {
      throw new BadRequestException(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    return value;
  }
}
