import { Agent, request } from 'node:http';

/**
 * Sends `count` GET requests to the app over `connections` keep-alive connections, each connection one request
 * at a time, and checks that every answer is 2xx: a route that refused would measure its error path.
 * `authorization(i)` gives the header of the i-th request.
 */
export async function sendRequests(
  port: number,
  path: string,
  count: number,
  authorization: (i: number) => string,
  connections = 4,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, agent, headers: { authorization: authorization(i) } },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode! >= 200 && res.statusCode! < 300
              ? resolve()
              : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (sent < count) await one(sent++);
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
}
