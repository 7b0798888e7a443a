import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, to check that nothing echoes the token. */
  raw: string;
}

/**
 * Sends one request exactly as given, byte for byte: repeated headers, tabs, non-ASCII and NUL bytes reach the
 * server as written, which no HTTP client library allows.
 */
export function rawRequest(port: number, head: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parse(Buffer.concat(chunks).toString('latin1')));
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.end(head);
  });
}

/** A GET with `Connection: close` and the given header lines (strings, or buffers for raw bytes). */
export function get(port: number, path: string, headerLines: Array<string | Buffer> = []): Promise<RawResponse> {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines];
  const parts = lines.flatMap((line) => [
    typeof line === 'string' ? Buffer.from(line, 'latin1') : line,
    Buffer.from('\r\n'),
  ]);
  return rawRequest(port, Buffer.concat([...parts, Buffer.from('\r\n')]));
}

function parse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
    raw,
  };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
}
