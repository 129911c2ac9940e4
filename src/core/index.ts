export * from './errors.ts';
export * from './ids.ts';
export * from './clock.ts';
export * from './json.ts';
export * from './random.ts';
export * from './event-channel.ts';
export * from './config.ts';
export * from './text-diff.ts';
