export * from './backoff';
export * from './circuit-breaker.machine';
export * from './dispatch-outbox.machine';
export * from './illegal-transition.error';
export * from './source-outbox.machine';
export * from './transition-table';
