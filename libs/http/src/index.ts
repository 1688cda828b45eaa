export * from './api-error';
export * from './api-error.filter';
export * from './error-body';
export * from './json-body';
export * from './run-app';
export * from './validation.pipe';
export * from './secret-compare';
