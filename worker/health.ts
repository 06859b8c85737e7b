import { createServer, type Server } from 'node:http';

/**
 * The worker process's liveness, for an orchestrator's health check: GET /health answers 200
 * while its workers poll and 503 once they stopped. That it answers at all shows the event loop
 * (which also heartbeats the activities) is not stuck.
 */
export function serveWorkerHealth(port: number, polling: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/health') return void res.writeHead(404).end();
    const ok = polling();
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopped' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
