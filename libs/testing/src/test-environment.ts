import { loadConfig, testingSchema } from '@app/config';

export const testEnvironment = loadConfig(testingSchema);
