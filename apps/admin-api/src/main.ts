import { runApp } from '@app/http';
import { AdminApiModule } from './admin-api.module';
import { adminApiOptions } from './admin-api.options';

void runApp(AdminApiModule, adminApiOptions);
