import { autopilotDestination } from '../autopilot/destination';
import type { DestinationKind, DestinationType } from './port';

export { DESTINATION_TYPES } from './port';
export type { ContactResult, Destination, DestinationAccount, DestinationConfig, DestinationKind, DestinationType, OutgoingContact } from './port';
export { DestinationError, isDestinationError, TRANSIENT_KINDS, type DestinationErrorKind } from './errors';

/** Every platform the engine exports to, by connection type. */
const KINDS: Record<DestinationType, DestinationKind> = {
  autopilot: autopilotDestination,
};

export function destinationKind(type: DestinationType): DestinationKind {
  return KINDS[type];
}
