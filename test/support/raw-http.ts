import { once } from 'node:events';
import { connect, Socket } from 'node:net';

/**
 * HTTP/1.1 by hand over a socket, for what HTTP clients hide or refuse: `rawRequest`/`get` send one request byte for
 * byte; `RawHttpConnection` drives one keep-alive connection step by step.
 */

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** A response read to the close of the connection, with everything the server sent (to check nothing echoes a token). */
export interface ClosedResponse extends RawResponse {
  raw: string;
}

/** The status and headers of a response head (the text before the blank line). */
function parseHead(head: string): Pick<RawResponse, 'status' | 'headers'> {
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(statusLine!.split(' ')[1]), headers };
}

/**
 * Sends one request exactly as given, byte for byte: repeated headers, tabs, non-ASCII and NUL bytes reach the
 * server as written, which no HTTP client library allows.
 */
export function rawRequest(port: number, head: Buffer | string): Promise<ClosedResponse> {
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
export function get(port: number, path: string, headerLines: Array<string | Buffer> = []): Promise<ClosedResponse> {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines];
  const parts = lines.flatMap((line) => [
    typeof line === 'string' ? Buffer.from(line, 'latin1') : line,
    Buffer.from('\r\n'),
  ]);
  return rawRequest(port, Buffer.concat([...parts, Buffer.from('\r\n')]));
}

/** The whole of what the server sent, read to the close; `raw` keeps it, to check that nothing echoes the token. */
function parse(raw: string): ClosedResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response: ${JSON.stringify(raw.slice(0, 200))}`);
  const { status, headers } = parseHead(raw.slice(0, end));
  let body = raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw };
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

/**
 * One HTTP/1.1 connection driven by hand, for what `fetch` hides: a request held half-sent (in flight while the
 * server shuts down), the `Connection` header of the answer, and whether the server then closes the connection.
 */
export class RawHttpConnection {
  private buffer = '';
  private waiting?: () => void;
  /** Resolves when the connection is gone, closed by the server or cut. */
  readonly closed: Promise<void>;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<RawHttpConnection> {
    const socket = new Socket();
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawHttpConnection(socket);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Writes a request: its head and the first `sentBody` characters of its body (all by default); `finish` sends the rest. */
  send(method: string, path: string, headers: Record<string, string>, body = '', sentBody = body.length): void {
    const head = [
      `${method} ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    if (body !== '' || method !== 'GET')
      head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${head.join('\r\n')}\r\n\r\n${body.slice(0, sentBody)}`);
    this.rest = body.slice(sentBody);
  }

  private rest = '';

  /** Sends what `send` held back of the body. */
  finish(): void {
    this.socket.write(this.rest);
    this.rest = '';
  }

  /** The next response; rejects if the connection closes first. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.ended) throw new Error('connection closed before a response');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const { status, headers } = parseHead(this.buffer.slice(0, end));
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.slice(end + 4, end + 4 + length);
    this.buffer = this.buffer.slice(end + 4 + length);
    return { status, headers, body };
  }
}
