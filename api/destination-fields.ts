import { baseUrlOf, destinationKind, DestinationError, type DestinationType } from '../destinations';
import { OutboundRefusedError, type OutboundPolicy } from '../outbound/policy';
import type { ConnectionStore } from '../store/connections';
import type { ListDestinationFields } from './ports';

export interface FieldListerOptions {
  connections: ConnectionStore;
  /** Per platform, where connections without their own base URL or region send (else the platform's default). */
  defaultBaseUrls?: Partial<Record<DestinationType, string>>;
  /** Short, because someone is saving an export and waiting on the answer. */
  timeoutMs?: number;
  outbound: OutboundPolicy;
}

/** Asks a connection's destination for its account's fields, when the platform lists them (Ortto). */
export function createFieldLister(options: FieldListerOptions): ListDestinationFields {
  return async (connectionId) => {
    const secret = await options.connections.readApiKey(connectionId);
    if (!secret) return undefined;
    const kind = destinationKind(secret.type);
    const baseUrl = baseUrlOf(kind, secret, options.defaultBaseUrls?.[secret.type]);
    allowed(options.outbound, baseUrl);
    const destination = kind.open({ baseUrl, apiKey: secret.apiKey, timeoutMs: options.timeoutMs ?? 10_000, ...options.outbound.agents({ keepAlive: false }) });
    try {
      return await destination.listFields?.();
    } finally {
      destination.close();
    }
  };
}

/** A connection the outbound rules now refuse cannot be asked: said as a destination that could not answer. */
function allowed(outbound: OutboundPolicy, baseUrl: string): void {
  try {
    outbound.check(baseUrl);
  } catch (err) {
    if (!(err instanceof OutboundRefusedError)) throw err;
    throw new DestinationError('network', 'the outbound rules refuse its address');
  }
}
