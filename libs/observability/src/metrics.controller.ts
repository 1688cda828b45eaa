import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';

/** PrometheusModule's `/metrics`, kept out of the OpenAPI document and of caches. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: FastifyReply): Promise<void> {
    const text = await this.registry.metrics();
    response.header('Content-Type', this.registry.contentType).send(text);
  }
}
