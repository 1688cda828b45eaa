export * from './app-config';
export * from './config.module';
export * from './iso-duration';
export * from './load-config';
