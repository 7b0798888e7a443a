// Share links, made in this browser: the server hands the page a short-lived bearer token of this session (the page's
// own token is in an HttpOnly cookie it cannot read), and the page narrows it with nestjs-token-auth/client before
// anyone sees it: 10 minutes, GET and HEAD only, one note. The link carries the token in its fragment, which the
// browser never sends to the server, so it stays out of logs and Referer headers.
import { attenuate } from '/assets/lib/client/index.js';

export const SHARE_MINUTES = 10;

/**
 * A link to read note `id` for SHARE_MINUTES minutes, as `/shared#<token>`, made from `parent`: a bearer token of this
 * session that `POST /sharing/token` gave, which the page drops once narrowed.
 */
export async function shareLink(id, parent) {
  const token = await attenuate(parent, [
    { type: 'expires', at: Date.now() + SHARE_MINUTES * 60_000 },
    { type: 'methods', methods: ['GET', 'HEAD'] },
    { type: 'path', prefix: `/notes/${id}` },
  ]);
  return `${location.origin}/shared#${token}`;
}
