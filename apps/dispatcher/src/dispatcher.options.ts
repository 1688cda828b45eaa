import { AppOptions } from '@app/http';
import { DISPATCHER } from './dispatcher.module';

export const dispatcherOptions: AppOptions = {
  name: DISPATCHER,
};
