import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process answers; depends on nothing else' })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Database reachable, broker connected, consumer attached, not shutting down' })
  async ready() {
    if (this.readiness.shuttingDown) {
      throw new ServiceUnavailableException({ status: 'error', error: { accepting: { status: 'down' } } });
    }
    const results = await this.readiness.evaluate();
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1_500 }),
      ...Object.entries(results).map(([name, up]) => () => {
        const indicator = this.indicators.check(name);
        return up ? indicator.up() : indicator.down();
      }),
    ]);
  }
}
