import { z } from 'zod';
import { env } from './config-fields';
import { ConfigValidationError, loadConfig, maskUrl } from './load-config';

const schema = z.object({ PORT: env.int(3000, 1, 65535), NAME: env.string('relay') });

describe('loadConfig', () => {
  it('treats a blank variable as unset, so its default applies', () => {
    expect(loadConfig(schema, { PORT: '', NAME: undefined })).toEqual({ PORT: 3000, NAME: 'relay' });
    expect(loadConfig(schema, { PORT: '8080', NAME: 'x' })).toEqual({ PORT: 8080, NAME: 'x' });
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig(schema, {}))).toBe(true);
  });

  it('names each bad variable, one per line, and the root for a problem of the whole', () => {
    expect(() => loadConfig(schema, { PORT: '0' })).toThrow(
      new ConfigValidationError(['PORT: Too small: expected number to be >=1']),
    );
    try {
      loadConfig(
        schema.refine(() => false, { message: 'never valid' }),
        {},
      );
      throw new Error('loaded');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).problems).toEqual(['(root): never valid']);
    }
    expect(new ConfigValidationError(['A: one', 'B: two']).message).toBe(
      'Invalid configuration:\n  - A: one\n  - B: two',
    );
  });
});

describe('maskUrl', () => {
  it('hides a password, leaves a URL without one as it is, and never echoes what it cannot parse', () => {
    expect(maskUrl('postgres://app:secret@db:5432/events')).toBe('postgres://app:****@db:5432/events');
    expect(maskUrl('postgres://app@db:5432/events')).toBe('postgres://app@db:5432/events');
    expect(maskUrl('not a url secret')).toBe('<unparseable url>');
  });
});
