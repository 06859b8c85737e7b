/** Where the console lives: beside the API's routes, never in their way (`/connections` is the API's). */
export const CONSOLE = '/console';
export const SIGN_IN = `${CONSOLE}/sign-in`;
export const ASSETS = `${CONSOLE}/assets`;

export const paths = {
  exports: `${CONSOLE}/exports`,
  newExport: `${CONSOLE}/exports/new`,
  exportPage: (id: string) => `${CONSOLE}/exports/${encodeURIComponent(id)}`,
  connections: `${CONSOLE}/connections`,
  newConnection: `${CONSOLE}/connections/new`,
  connectionPage: (id: string) => `${CONSOLE}/connections/${encodeURIComponent(id)}`,
  runPage: (id: string) => `${CONSOLE}/runs/${encodeURIComponent(id)}`,
};
