export { createOrttoSim, type OrttoSim } from './app';
export type { OrttoSimControl, SimPersonView } from './control';
export { ORTTO_DEMO_API_KEY, parseOrttoSimOptions, type OrttoSimOptions, type OrttoSimOptionsInput } from './options';
export { startOrttoSim, type RunningOrttoSim, type StartOrttoSimOptions } from './server';
export type { OrttoSimStats } from './state';
