import { ConfigValidationError, loadConfig } from '@app/config';
import { ingestSchema } from '../ingest-api.config';

function problemsOf(value: string): string[] {
  try {
    loadConfig(ingestSchema, { ANALYTICS_INGEST_SDK_KEYS: value });
  } catch (error) {
    return (error as ConfigValidationError).problems;
  }
  return [];
}

describe('ANALYTICS_INGEST_SDK_KEYS', () => {
  it('reads name:key entries as CLIENT keys and name:key:SERVER as SERVER keys', () => {
    const config = loadConfig(ingestSchema, {
      ANALYTICS_INGEST_SDK_KEYS: ' web:phc_web_key , backend:wk-server:SERVER,app:k3:CLIENT',
    });
    expect(config.ANALYTICS_INGEST_SDK_KEYS).toEqual([
      { name: 'web', key: 'phc_web_key', source: 'CLIENT' },
      { name: 'backend', key: 'wk-server', source: 'SERVER' },
      { name: 'app', key: 'k3', source: 'CLIENT' },
    ]);
  });

  it('is empty when unset', () => {
    expect(loadConfig(ingestSchema, {}).ANALYTICS_INGEST_SDK_KEYS).toEqual([]);
  });

  it.each([
    ['web', 'entry 1: the key must be non-empty'],
    ['web:', 'entry 1: the key must be non-empty'],
    [':key', 'entry 1: the name must be'],
    ['we b:key', 'entry 1: the name must be'],
    ['web:key:ADMIN', 'entry 1: expected name:key or name:key:SERVER'],
    ['web:key:SERVER:x', 'entry 1: expected name:key or name:key:SERVER'],
    ['web:a,web:b', 'entry 2: the name "web" is used twice'],
    ['web:a,app:a', 'entry 2: the key of "app" is also another entry\'s key'],
  ])('refuses %j, naming the entry but never the key', (value, problem) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('ANALYTICS_INGEST_SDK_KEYS');
    expect(problems[0]).toContain(problem);
  });

  it('does not echo a key in its error', () => {
    expect(problemsOf('web:secret-key:ADMIN').join()).not.toContain('secret-key');
  });
});

describe('ANALYTICS_INGEST_CORS_ORIGINS', () => {
  it('defaults to any origin and takes a comma-separated list', () => {
    expect(loadConfig(ingestSchema, {}).ANALYTICS_INGEST_CORS_ORIGINS).toEqual(['*']);
    expect(
      loadConfig(ingestSchema, { ANALYTICS_INGEST_CORS_ORIGINS: 'https://a.example, https://b.example' })
        .ANALYTICS_INGEST_CORS_ORIGINS,
    ).toEqual(['https://a.example', 'https://b.example']);
  });
});
