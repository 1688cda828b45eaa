import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { NoQueryDto } from '../http/no-query.dto';
import { ApiAdminEndpoint, Envelope, ErrorBodyDto, ok } from '../http/envelope';
import { EventJourneyDto, JourneyParamsDto } from './journey.dto';
import { JourneyService } from './journey.service';

@ApiTags('event journey')
@Controller('api/v1/admin/user-activity/events')
@UseGuards(AdminTokenGuard)
export class JourneyController {
  constructor(private readonly journeys: JourneyService) {}

  @Get(':eventId/journey')
  @ApiOperation({
    summary: 'Everything known about one event: outbox row, MQ traces, stored row, dispatch rows, in time order',
  })
  @ApiAdminEndpoint(EventJourneyDto)
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no table knows this event id', type: ErrorBodyDto })
  async journey(@Param() params: JourneyParamsDto, @Query() _query: NoQueryDto): Promise<Envelope<EventJourneyDto>> {
    return ok(await this.journeys.journey(params.eventId));
  }
}
