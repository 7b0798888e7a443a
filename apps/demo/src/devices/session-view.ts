import type { SessionInfo } from 'nestjs-token-auth';

/** One session as `GET /auth/sessions` answers it: times as ISO strings, device fields only when recorded. */
export interface SessionView {
  id: string;
  current: boolean;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  user_agent?: string;
  label?: string;
  ip?: string;
}

export function toSessionView({ id, current, createdAt, lastActiveAt, expiresAt, device }: SessionInfo): SessionView {
  return {
    id,
    current,
    created_at: new Date(createdAt).toISOString(),
    last_active_at: new Date(lastActiveAt).toISOString(),
    expires_at: new Date(expiresAt).toISOString(),
    ...(device.userAgent !== undefined && { user_agent: device.userAgent }),
    ...(device.label !== undefined && { label: device.label }),
    ...(device.ip !== undefined && { ip: device.ip }),
  };
}
