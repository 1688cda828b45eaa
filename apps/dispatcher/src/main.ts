import { runApp } from '@app/http';
import { DispatcherModule } from './dispatcher.module';
import { dispatcherOptions } from './dispatcher.options';

void runApp(DispatcherModule, dispatcherOptions);
