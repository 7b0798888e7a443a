import { HttpStatus } from '@nestjs/common';
import type { RevocationResult } from 'nestjs-token-auth';

/**
 * What a sign-out achieved, as the logout routes answer it: 204 (undefined here) when every instance enforces it,
 * 202 `{ persisted: false }` when only this one does yet and the write to the shared store is queued.
 */
export function revocationAnswer({ persisted }: RevocationResult): Response | undefined {
  return persisted ? undefined : Response.json({ persisted: false }, { status: HttpStatus.ACCEPTED });
}
