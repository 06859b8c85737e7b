import type { AddressInfo } from 'node:net';
import { serveWorkerHealth } from '../../../worker/health';

describe('the worker health check', () => {
  it('answers 200 while the workers poll and 503 once they stopped', async () => {
    let polling = true;
    const server = await serveWorkerHealth(0, () => polling);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      polling = false;
      expect((await fetch(`${url}/health`)).status).toBe(503);
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
