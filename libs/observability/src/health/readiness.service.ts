import { Injectable, OnModuleDestroy } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Components register what must hold for the app to take traffic; goes false as soon as shutdown begins. */
@Injectable()
export class ReadinessService implements OnModuleDestroy {
  private readonly checks = new Map<string, ReadinessCheck>();
  private stopping = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  async evaluate(): Promise<Record<string, boolean>> {
    const results: Record<string, boolean> = { accepting: !this.stopping };
    for (const [name, check] of this.checks) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    return results;
  }
}
