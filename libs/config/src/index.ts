export * from './app-config';
export * from './config.module';
export * from './env-file';
export * from './iso-duration';
export * from './load-config';
export * from './sdk-keys';
