export { createDashboard, startDashboard, type Dashboard, type DashboardOptions, type RunningDashboard } from './dashboard-server.ts';
export { checkListenOptions, defaultHost, defaultPort, isLoopbackHost, parsePort, type ListenOptions } from './serve-options.ts';
export type * from './api-types.ts';
