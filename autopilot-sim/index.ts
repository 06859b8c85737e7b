export { createAutopilotSim } from './app';
export type { AutopilotSim } from './app';
export type { SimContact, SimControl, SimListView } from './control';
export { loadSimEnv } from './env';
export { AutopilotSimOptionsSchema, DEMO_API_KEY, FaultOptionsSchema, keyLabel, parseSimOptions } from './options';
export type { AutopilotSimOptions, AutopilotSimOptionsInput, FaultOptions, FaultOptionsInput } from './options';
export { startAutopilotSim } from './server';
export type { RunningAutopilotSim, StartAutopilotSimOptions } from './server';
export type { SimStats } from './stats';
