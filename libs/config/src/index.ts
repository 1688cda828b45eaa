export * from './app-config.module';
export * from './config-fields';
export * from './env-file';
export * from './iso-duration';
export * from './load-config';
export * from './posthog-config';
export * from './shared-config';
export * from './testing-config';
