export { OrttoClient, type CustomField } from './client';
export { MAX_PEOPLE_PER_MERGE, ORTTO_BASE_URLS, ORTTO_REGIONS, ORTTO_REQUESTS_PER_SECOND, type MergePerson, type OrttoRegion, type PersonResult } from './contract';
export { orttoDestination } from './destination';
export { OrttoError, toOrttoError } from './errors';
