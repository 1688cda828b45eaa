import { DynamicModule, Module, Type } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';

@Module({})
export class MetricsModule {
  /** Serves `/metrics` with the default Node metrics and the given metric groups. */
  static forApp(groups: Type[]): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [MetricsRegistry, ...groups],
      exports: [MetricsRegistry, ...groups],
    };
  }
}
