export * from './event-factory';
export * from './fault-proxy';
export * from './test-database';
export * from './test-environment';
export * from './test-vhost';
export * from './wait-for';
export * from './boot-app';
export * from './log-capture';
