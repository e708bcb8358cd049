import http from 'node:http';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  statuses: Record<number, number>;
}

/**
 * A closed-loop load generator on keep-alive connections: `concurrency` requests in flight, each
 * taken from `next()` (so every request can carry its own fresh assertion), for `seconds`.
 */
export async function runLoad(
  baseUrl: string,
  next: () => LoadRequest | undefined,
  options: { concurrency: number; seconds: number; expectStatus: number },
): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const statuses: Record<number, number> = {};
  let requests = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(options.seconds * 1e9));

  const one = (request: LoadRequest) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.path,
          headers: request.headers,
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      if (request.body) req.write(request.body);
      req.end();
    });

  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      const request = next();
      if (!request) return;
      const status = await one(request);
      requests++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== options.expectStatus) errors++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { requests, errors, seconds, perSecond: requests / seconds, statuses };
}
