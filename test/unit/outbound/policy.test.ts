import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { lookup } from 'node:dns';
import axios from 'axios';
import { createOutboundPolicy, OutboundRefusedError } from '../../../outbound/policy';

describe('the outbound policy', () => {
  const policy = createOutboundPolicy(['api2.autopilothq.com', '*.hooks.example.com', '127.0.0.1']);

  it.each(['https://api2.autopilothq.com/v1', 'https://a.hooks.example.com/x', 'http://127.0.0.1:8787/v1'])('allows %s', (url) => {
    expect(() => policy.check(url)).not.toThrow();
  });

  it.each([
    ['https://hooks.example.com/x', /not allowed/],
    ['http://api2.autopilothq.com/v1', /must be https/],
    ['ftp://api2.autopilothq.com/v1', /must be https/],
    ['https://u:p@api2.autopilothq.com/v1', /credentials/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(() => policy.check(url)).toThrow(reason);
  });

  it.each(['64:ff9b::a00:1', '64:ff9b:1::a00:1', '2002:a00:1::1', '::ffff:a00:1', 'fd00::1'])(
    'refuses a listed name that resolves to %s, an IPv6 address that is or embeds a private one',
    async (address) => {
      const resolved = ((_host: string, _options: object, callback: (e: null, a: { address: string; family: number }[]) => void) =>
        callback(null, [{ address, family: 6 }])) as unknown as typeof lookup;
      const policy = createOutboundPolicy(['hooks.example.com'], resolved);
      const err = await axios.get('http://hooks.example.com:9/', { ...policy.agents({ keepAlive: false }), timeout: 2_000, proxy: false }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: new OutboundRefusedError('').code, message: expect.stringContaining(`resolves to ${address}`) });
    },
  );

  it('refuses a listed name once it resolves to a private or loopback address that was not listed', async () => {
    const server = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // A name on the list whose DNS answer was rebound to loopback (where a server does listen).
      const rebound = ((_host: string, _options: object, callback: (e: null, a: { address: string; family: number }[]) => void) =>
        callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof lookup;
      const rebinding = createOutboundPolicy(['hooks.example.com'], rebound);
      const err = await axios.get(`http://hooks.example.com:${port}/`, { ...rebinding.agents({ keepAlive: false }), timeout: 2_000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: new OutboundRefusedError('').code, message: expect.stringMatching(/resolves to 127\.0\.0\.1/) });
      const allowed = createOutboundPolicy(['127.0.0.1']);
      expect((await axios.get(`http://127.0.0.1:${port}/`, { ...allowed.agents({ keepAlive: false }) })).data).toBe('hello');
    } finally {
      server.close();
    }
  });

  describe('an entry http://host: a host of your own network without TLS', () => {
    /** A name whose DNS answer is a private address, as a compose service's is. */
    const onComposeNetwork = ((_host: string, _options: object, callback: (e: null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof lookup;

    it('allows plain http to that host, and only to it', () => {
      const own = createOutboundPolicy(['http://autopilot-sim', 'api2.autopilothq.com', 'hooks.example.com']);
      expect(() => own.check('http://autopilot-sim:8787/v1')).not.toThrow();
      expect(() => own.check('https://autopilot-sim:8787/v1')).not.toThrow();
      expect(() => own.check('http://api2.autopilothq.com/v1')).toThrow(/must be https: plain http only to an allowed loopback host, or one listed as http:\/\/api2\.autopilothq\.com/);
      expect(() => own.check('http://other-sim:8787/v1')).toThrow(/not allowed/);
      expect(() => own.check('http://u:p@autopilot-sim:8787/v1')).toThrow(/credentials/);
    });

    it('connects to it at the private address it resolves to, which the same name listed without http:// may not', async () => {
      const server = createServer((_req, res) => res.end('hello'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const own = createOutboundPolicy(['http://autopilot-sim'], onComposeNetwork);
        const answer = await axios.get(`http://autopilot-sim:${port}/`, { ...own.agents({ keepAlive: false }), timeout: 2_000, proxy: false });
        expect(answer.data).toBe('hello');
        const listed = createOutboundPolicy(['autopilot-sim'], onComposeNetwork);
        const err = await axios.get(`https://autopilot-sim:${port}/`, { ...listed.agents({ keepAlive: false }), timeout: 2_000, proxy: false }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: new OutboundRefusedError('').code, message: expect.stringMatching(/resolves to 127\.0\.0\.1/) });
      } finally {
        server.close();
      }
    });

    it('reaches only the listed host: another name resolving to the same address is still checked', async () => {
      const own = createOutboundPolicy(['http://autopilot-sim', 'hooks.example.com'], onComposeNetwork);
      const err = await axios.get('https://hooks.example.com:9/', { ...own.agents({ keepAlive: false }), timeout: 2_000, proxy: false }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: new OutboundRefusedError('').code });
    });
  });
});
