import { autopilotDestination } from '../autopilot/destination';
import { orttoDestination } from '../ortto/destination';
import type { DestinationKind, DestinationType } from './port';

export { DESTINATION_TYPES } from './port';
export type { ContactResult, Destination, DestinationAccount, DestinationConfig, DestinationField, DestinationKind, DestinationType, OutgoingContact } from './port';
export { baseUrlOf, invalidRegion, type ConnectionAddress } from './base-url';
export { DestinationError, isDestinationError, TRANSIENT_KINDS, type DestinationErrorKind } from './errors';

/** Every platform the engine exports to, by connection type. */
const KINDS: Record<DestinationType, DestinationKind> = {
  autopilot: autopilotDestination,
  ortto: orttoDestination,
};

export function destinationKind(type: DestinationType): DestinationKind {
  return KINDS[type];
}
